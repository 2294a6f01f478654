"""Turning a service's refusal into a message on the form, with nothing written."""
from flask import flash

from najma.errors import DomainError
from najma.extensions import db


def apply_domain_error(form, error: DomainError) -> None:
    """Undo the refused change, then show ``error`` on its field (or as a flash message)."""
    db.session.rollback()
    field = getattr(form, error.field, None) if (form is not None and error.field) else None
    if field is not None:
        field.errors = list(field.errors) + [str(error.message)]
    else:
        flash(str(error.message), "danger")


def strip(value):
    """WTForms filter: surrounding spaces (a pasted email, a name) are never meaningful."""
    return value.strip() if isinstance(value, str) else value
