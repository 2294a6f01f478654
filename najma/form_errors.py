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


#: The largest id a database integer column holds (PostgreSQL ``integer``).
MAX_ID = 2**31 - 1


def optional_int(value):
    """WTForms coercion of a select with an empty choice: '' or None -> None; digits -> int;
    anything else, or a number no integer column can hold, -> -1, an id no service accepts (so
    the refusal has a clear message instead of a database overflow)."""
    if value in (None, "", "None"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    return number if -MAX_ID <= number <= MAX_ID else -1
