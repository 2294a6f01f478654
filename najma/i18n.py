"""Language helpers: the current locale, its direction, picking a localized name, and numbers."""
from functools import lru_cache

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


@lru_cache(maxsize=32)
def _number_format(language: str, decimals: int | None):
    """The babel locale and parsed number pattern of ``language`` with ``decimals`` (``None``: the
    locale's own decimal format), built once: parsing them costs about a third of a formatted
    number, and long tables format thousands of them."""
    from babel import Locale
    from babel.numbers import parse_pattern

    locale = Locale.parse(language)
    if decimals is None:
        return locale, parse_pattern(locale.decimal_formats[None])
    return locale, parse_pattern("#,##0" + ("." + "0" * decimals if decimals else ""))


def format_number_local(value, decimals: int | None = None) -> str:
    """A number with the user's language's grouping (574 112 in French).

    With ``decimals``, exactly that many digits after the separator (``32,0`` beside ``39,1``).
    The same text as babel's ``format_decimal`` with that pattern, without parsing it each time.
    """
    if value is None:
        return ""
    locale, pattern = _number_format(current_language(), decimals)
    if decimals is not None:
        value = round(value, decimals)
    return pattern.apply(value, locale)


def format_list_local(items, vocabulary: dict | None = None) -> str:
    """Words joined as the user's language joins a list ("a, b et c"; "أ و ب"; "a, b and c");
    with ``vocabulary``, codes turned into their labels first."""
    from babel.lists import format_list

    items = [str(vocabulary.get(item, item) if vocabulary is not None else item) for item in items or ()]
    return format_list(items, locale=current_language()) if items else ""
