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


def _babel_locale():
    from flask_babel import get_locale

    return get_locale() or "fr"


def format_datetime_local(moment: datetime | None, style: str = "medium") -> str:
    """A UTC datetime shown in Morocco's time, in the user's language, without seconds.

    Flask-Babel's own filter goes through pytz, whose Africa/Casablanca rules show the
    wrong hour after 2026; the standard library's zoneinfo is right.
    """
    from babel.dates import format_date, format_time

    if moment is None:
        return ""
    local = moment.astimezone(local_zone()) if moment.tzinfo else moment
    locale = _babel_locale()
    if style == "full":
        return f"{format_date(local, 'full', locale=locale)}, {format_time(local, 'short', locale=locale)}"
    date_style = "short" if style == "short" else "medium"
    return f"{format_date(local, date_style, locale=locale)}, {format_time(local, 'short', locale=locale)}"


def format_date_local(value, style: str = "medium") -> str:
    """A date (or the local day of a UTC datetime) in the user's language."""
    from babel.dates import format_date

    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(local_zone())
    return format_date(value, style, locale=_babel_locale())
