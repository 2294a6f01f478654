"""The French, Arabic and English catalogues: complete, placeholder-safe, compiled and served.

``make extract-messages`` refreshes ``messages.pot`` and the three ``messages.po``;
``make translations`` compiles them. The ``.mo`` files are not committed: the
``served_catalogues`` fixture compiles any missing or stale one before the page tests.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, get_babel, ngettext

import najma
from najma import vocab

TRANSLATIONS = Path(najma.__file__).parent / "translations"
LANGUAGES = ("fr", "ar", "en")
#: Catalogues that must be fully translated (English msgids are shown as they are).
TRANSLATED = ("fr", "ar")
#: Plural forms that stand for one fixed count and may leave the number implicit
#: (Arabic: [0] zero "لا أعضاء", [1] one "عضو واحد", [2] two "عضوان").
IMPLICIT_NUMBER_FORMS = {"ar": {0, 1, 2}}
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]")


def _po(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def _catalog(lang: str):
    with _po(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


def _messages(catalog):
    return [message for message in catalog if message.id]


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text or ""))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_exists_and_follows_the_template(lang):
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    catalog = _catalog(lang)
    expected = {message.id for message in _messages(template)}
    present = {message.id for message in _messages(catalog)}
    assert expected - present == set(), f"run `make extract-messages`: {lang} lacks {expected - present}"
    assert not catalog.fuzzy, f"the {lang} catalogue header is fuzzy: pybabel compile would skip it"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalogue_has_no_untranslated_or_fuzzy_entry(lang):
    catalog = _catalog(lang)
    untranslated, fuzzy = [], []
    for message in _messages(catalog):
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        if not all(strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert untranslated == [], f"untranslated in {lang}: {untranslated}"
    assert fuzzy == [], f"fuzzy in {lang}: {fuzzy}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders_of_their_msgid(lang):
    catalog = _catalog(lang)
    implicit = IMPLICIT_NUMBER_FORMS.get(lang, set())
    wrong = []
    for message in _messages(catalog):
        if message.pluralizable:
            expected = _placeholders(message.id[0]) | _placeholders(message.id[1])
            for index, text in enumerate(message.string):
                if not text:
                    continue
                found = _placeholders(text)
                if found != expected and not (index in implicit and found <= expected):
                    wrong.append((message.id, index, text))
        elif message.string and _placeholders(message.string) != _placeholders(message.id):
            wrong.append((message.id, message.string))
    assert wrong == [], f"placeholders changed in {lang}: {wrong}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_passes_babel_checks(lang):
    catalog = _catalog(lang)
    assert [(message.id, errors) for message, errors in catalog.check()] == []


def test_arabic_catalogue_has_six_plural_forms():
    catalog = _catalog("ar")
    assert catalog.num_plurals == 6
    for message in _messages(catalog):
        if message.pluralizable:
            assert len(message.string) == 6 and all(message.string), message.id


@pytest.fixture
def served_catalogues(app):
    """Compile the catalogues whose ``.mo`` is missing or older than the ``.po``; drop cached ones."""
    for lang in LANGUAGES:
        po, mo = _po(lang), _po(lang).with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with mo.open("wb") as handle:
                write_mo(handle, _catalog(lang))
    get_babel(app).instance.domain_instance.cache.clear()
    return app


def _page(client, path: str = "/auth/login") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_login_page_is_french_by_default(client, served_catalogues):
    html = _page(client)
    assert 'lang="fr"' in html and 'dir="ltr"' in html
    assert "Se connecter" in html
    assert "Connexion à NAJMA" in html


def test_login_page_in_arabic_is_right_to_left(client, served_catalogues):
    response = client.post("/language/ar", data={"next": "/auth/login"})
    assert response.status_code == 302
    html = _page(client)
    assert 'lang="ar"' in html and 'dir="rtl"' in html
    assert "bootstrap.rtl.min.css" in html
    assert "تسجيل الدخول" in html
    assert "Se connecter" not in html


def test_login_page_in_english(client, served_catalogues):
    client.post("/language/en", data={"next": "/auth/login"})
    html = _page(client)
    assert 'lang="en"' in html and 'dir="ltr"' in html
    assert "Sign in to NAJMA" in html
    assert "Se connecter" not in html


def test_back_to_french_after_another_language(client, served_catalogues):
    client.post("/language/ar", data={"next": "/auth/login"})
    client.post("/language/fr", data={"next": "/auth/login"})
    assert "Se connecter" in _page(client)


@pytest.mark.parametrize("lang, count, expected", [
    ("fr", 0, "0 membre"), ("fr", 1, "1 membre"), ("fr", 2, "2 membres"),
    ("en", 1, "1 member"), ("en", 7, "7 members"),
    ("ar", 0, "لا أعضاء"), ("ar", 1, "عضو واحد"), ("ar", 2, "عضوان"), ("ar", 3, "3 أعضاء"),
    ("ar", 10, "10 أعضاء"), ("ar", 11, "11 عضوًا"), ("ar", 99, "99 عضوًا"), ("ar", 100, "100 عضو"),
    ("ar", 103, "103 أعضاء"),
])
def test_plural_forms(served_catalogues, lang, count, expected):
    with served_catalogues.test_request_context(), force_locale(lang):
        assert ngettext("%(num)d member", "%(num)d members", count) == expected


@pytest.mark.parametrize("lang, labels", [
    ("fr", ("Antenne", "Phase de déploiement", "Généralisation", "Délégué(e) provincial(e)")),
    ("ar", ("الخلية الترابية", "مرحلة التنزيل", "التعميم", "المندوب الإقليمي")),
    ("en", ("Antenna", "Rollout phase", "Generalisation", "Provincial delegate")),
])
def test_lazy_vocabulary_labels_follow_the_language(served_catalogues, lang, labels):
    from flask_babel import lazy_gettext as _l

    with served_catalogues.test_request_context(), force_locale(lang):
        assert (str(vocab.BODY_KINDS["antenna"]), str(_l("Rollout phase")), str(vocab.PHASES["generalisation"]),
                str(vocab.ROLES["delegate"])) == labels
