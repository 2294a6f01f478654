"""Form helpers: a service's refusal shown on the form (nothing written), and the filters and
coercions the forms share."""
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


def optional_int(value):
    """WTForms coercion of a select with an empty choice: '' or None -> None; digits -> int;
    anything else -> -1, an id no service accepts (so the refusal has a clear message)."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
