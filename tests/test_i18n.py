"""Numbers in the user's language: ``format_number_local`` and the ``numberformat`` filter.

The expected texts are literal: French groups with a narrow no-break space (U+202F) and writes a
decimal comma; Arabic and English (Western digits, as babel gives them for ``ar``) group with a
comma and write a decimal point. Rounding is Python's ``round`` (half to even) before the pattern.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask import render_template_string
from flask_babel import force_locale

from najma.i18n import format_number_local

NNBSP = "\u202f"

#: (value, decimals) -> expected text in French, Arabic, English.
CASES = [
    (574112, None, f"574{NNBSP}112", "574,112", "574,112"),
    (-574112, None, f"-574{NNBSP}112", "-574,112", "-574,112"),
    (0, 0, "0", "0", "0"),
    (7, 2, "7,00", "7.00", "7.00"),
    (10**12, None, f"1{NNBSP}000{NNBSP}000{NNBSP}000{NNBSP}000", "1,000,000,000,000", "1,000,000,000,000"),
    (1234567.891, None, f"1{NNBSP}234{NNBSP}567,891", "1,234,567.891", "1,234,567.891"),
    (1234567.891, 0, f"1{NNBSP}234{NNBSP}568", "1,234,568", "1,234,568"),
    (-3.14159, 2, "-3,14", "-3.14", "-3.14"),
    (-0.5, None, "-0,5", "-0.5", "-0.5"),
    (0.5, 2, "0,50", "0.50", "0.50"),
    (2.5, 0, "2", "2", "2"),
    (1.5, 0, "2", "2", "2"),
    (2.675, 2, "2,67", "2.67", "2.67"),
    (Decimal("1234.5678"), None, f"1{NNBSP}234,568", "1,234.568", "1,234.568"),
    (Decimal("39.05"), 1, "39,0", "39.0", "39.0"),
    (Decimal("32"), 1, "32,0", "32.0", "32.0"),
    (Decimal("-98765.4321"), 2, f"-98{NNBSP}765,43", "-98,765.43", "-98,765.43"),
    (Decimal("-98765.4321"), 0, f"-98{NNBSP}765", "-98,765", "-98,765"),
    (Decimal("1E+3"), 1, f"1{NNBSP}000,0", "1,000.0", "1,000.0"),
    (None, None, "", "", ""),
    (None, 2, "", "", ""),
]


@pytest.mark.parametrize("language,column", [("fr", 2), ("ar", 3), ("en", 4)])
def test_numbers_are_written_the_way_each_language_writes_them(app, language, column):
    with app.test_request_context(), force_locale(language):
        got = [format_number_local(case[0], case[1]) for case in CASES]
    assert got == [case[column] for case in CASES]


def test_switching_language_changes_the_separators_at_once(app):
    """One process serves every language: a French page after an English one groups in French."""
    shown = []
    with app.test_request_context():
        for language in ("fr", "en", "ar", "fr", "en"):
            with force_locale(language):
                shown.append((format_number_local(1234.5, 1), format_number_local(1234.5)))
    assert shown == [(f"1{NNBSP}234,5", f"1{NNBSP}234,5"), ("1,234.5", "1,234.5"), ("1,234.5", "1,234.5"),
                     (f"1{NNBSP}234,5", f"1{NNBSP}234,5"), ("1,234.5", "1,234.5")]


def test_outside_a_request_numbers_are_french(app):
    assert format_number_local(574112) == f"574{NNBSP}112"
    assert format_number_local(Decimal("39.05"), 1) == "39,0"


@pytest.mark.parametrize("language,expected", [("fr", f"574{NNBSP}112 · 39,1 · 32,0"), ("ar", "574,112 · 39.1 · 32.0"),
                                               ("en", "574,112 · 39.1 · 32.0")])
def test_templates_number_filter_uses_the_language(app, language, expected):
    with app.test_request_context(), force_locale(language):
        text = render_template_string("{{ a | numberformat }} · {{ b | numberformat(1) }} · {{ c | numberformat(1) }}",
                                      a=574112, b=Decimal("39.1"), c=32)
    assert text == expected


def test_lists_are_joined_as_each_language_joins_them(app):
    from flask_babel import force_locale

    from najma.i18n import format_list_local

    labels = {"sex": "Sexe", "area": "Milieu"}
    with app.test_request_context():
        with force_locale("fr"):
            assert format_list_local(["sex", "area"], labels) == "Sexe et Milieu"
        with force_locale("en"):
            assert format_list_local(["a", "b", "c"]) == "a, b, and c"
        with force_locale("ar"):
            assert format_list_local(["أ", "ب"]) == "أ وب"  # the conjunction joins the next word
        assert format_list_local([]) == ""
