"""Local (Morocco) wall-clock times from forms, converted to the UTC the database keeps."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app


def local_zone() -> ZoneInfo:
    """The application's time zone (Africa/Casablanca by default)."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def to_utc(local: datetime | None) -> datetime | None:
    """A naive local datetime typed in a form, as an aware UTC datetime."""
    if local is None:
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=local_zone())
    return local.astimezone(timezone.utc)


def to_local(moment: datetime | None) -> datetime | None:
    """An aware UTC datetime as a naive local one, to fill a form field."""
    if moment is None:
        return None
    return moment.astimezone(local_zone()).replace(tzinfo=None)
