"""Language helpers: the current locale, its direction, and picking a localized name."""
from flask import has_request_context
from flask_babel import get_locale

from najma.vocab import RTL_LANGUAGES


def current_language() -> str:
    """The two-letter language of the current request (``fr`` outside a request)."""
    if not has_request_context():
        return "fr"
    locale = get_locale()
    return locale.language if locale else "fr"


def text_direction() -> str:
    """``rtl`` for Arabic, ``ltr`` otherwise."""
    return "rtl" if current_language() in RTL_LANGUAGES else "ltr"


def localized(name_fr: str, name_ar: str | None, name_en: str | None = None) -> str:
    """The name to show in the current language, falling back to French."""
    language = current_language()
    if language == "ar" and name_ar:
        return name_ar
    if language == "en" and name_en:
        return name_en
    return name_fr


def format_number_local(value, decimals: int | None = None) -> str:
    """A number with the user's language's grouping (574 112 in French).

    With ``decimals``, exactly that many digits after the separator (``32,0`` beside ``39,1``).
    """
    from babel.numbers import format_decimal

    if value is None:
        return ""
    if decimals is None:
        return format_decimal(value, locale=current_language())
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(round(value, decimals), format=pattern, locale=current_language())
