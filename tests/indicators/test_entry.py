"""Entry and approval of indicator values (services): checks that refuse bad entries and write
nothing, confirmation of far values, approval level by level, the lock, corrections as versions,
the audit trail and concurrent corrections."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa

from najma.errors import DomainError
from najma.extensions import db as _db
from najma.indicators import entry
from najma.indicators.models import IndicatorValue
from tests.indicators._entry_fixtures import (approved, audit_verbs, count, enter, make_indicator,  # noqa: F401
                                              people, share, value_rows)
from tests.research.conftest import target_group


# --- slots and numbers ---------------------------------------------------------------------------

def test_slot_names_indicator_place_period_kind_and_breakdown():
    assert entry.slot_of(12, 3, None, "2026-S1", "measure", "female", None, "rural") == "12|t3|2026-S1|measure|female||rural"
    assert entry.slot_of(12, None, 5, "2026", "target", None, 7, None) == "12|p5|2026|target||7|"
    assert entry.slot_of(12, None, None, "2026", "baseline", None, None, None) == "12|n|2026|baseline|||"
    assert entry.slot_of(12, 3, None, "2026", "measure", None, None, None) != entry.slot_of(
        12, 3, None, "2026", "target", None, None, None)


@pytest.mark.parametrize("typed, expected", [
    ("12,5", "12.5"), ("12.5", "12.5"), (" 1 234,5 ", "1234.5"), ("1\u202f234", "1234"), ("40 %", "40"),
    ("1.234,56", "1234.56"), ("1,234.56", "1234.56"), ("0", "0"), (",5", "0.5"), (7, "7"),
])
def test_numbers_are_read_french_or_english(app, typed, expected):
    assert entry.parse_number(typed) == Decimal(expected)


@pytest.mark.parametrize("typed, expected", [
    ("١٢٫٥", "12.5"), ("١٬٢٣٤", "1234"), ("٤٠٪", "40"), ("12٫5", "12.5"),
])
def test_numbers_are_read_as_arabic_writing_puts_them(app, typed, expected):
    assert entry.parse_number(typed) == Decimal(expected)


def test_a_comma_before_three_digits_is_thousands_only_in_english(app):
    from flask_babel import force_locale

    with app.test_request_context():
        with force_locale("en"):
            assert entry.parse_number("1,234") == Decimal(1234)
            assert entry.parse_number("12,345,678") == Decimal(12345678)
            assert entry.parse_number("12,5") == Decimal("12.5")
        for language in ("fr", "ar"):
            with force_locale(language):
                assert entry.parse_number("1,234") == Decimal("1.234")


def test_minus_zero_is_zero(app):
    assert str(entry.show_number(entry.parse_number("-0"))) == "0"
    assert not entry.parse_number("-0,0").is_signed()


@pytest.mark.parametrize("typed", ["abc", "12,5,3", "1e5", "12 abc", "--3", "NaN", "1,2.3,4"])
def test_text_is_not_a_number(app, typed):
    with pytest.raises(ValueError, match="not a number"):
        entry.parse_number(typed)


# --- entry ---------------------------------------------------------------------------------------

def test_entry_writes_a_first_version_audited(territory, people, share):
    written = enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "37,5",
                                                        "source_text": "Registre de l'antenne"},
                    {"indicator_id": share.id, "sex": "female", "numerator": "30", "denominator": "60"})
    rows = value_rows()
    assert [(r.sex, r.value, r.status, r.version, r.is_current) for r in rows] == [
        (None, Decimal("37.5"), "entered", 1, True), ("female", Decimal("50"), "entered", 1, True)]
    assert rows[1].numerator == 30 and rows[1].denominator == 60
    assert rows[0].slot == entry.slot_of(share.id, territory.id, None, "2025", "measure", None, None, None)
    assert rows[0].entered_by_id == people.antenna.id and rows[0].source_text == "Registre de l'antenne"
    assert audit_verbs() == [("create", str(written[0].id)), ("create", str(written[1].id))]


@pytest.mark.parametrize("row, field, message", [
    ({"value": "beaucoup"}, "value", "“beaucoup” is not a number"),
    ({"value": "120"}, "value", "A percentage is between 0 and 100."),
    ({"value": "-3"}, "value", "cannot be negative"),
    ({"numerator": "70", "denominator": "60"}, "numerator", "cannot exceed the denominator"),
    ({"value": "40", "numerator": "30", "denominator": "60"}, "value", "The counts give 50.0, not 40.0"),
    ({"numerator": "30"}, "denominator", "Give both the numerator and the denominator"),
    ({"numerator": "30", "denominator": "0"}, "denominator", "cannot be 0"),
    ({"numerator": "2,5", "denominator": "10"}, "numerator", "A count is a whole number"),
    ({"value": "40", "area": "rural"}, "row", "not broken down by area"),
    ({"value": "40", "sex": "other"}, "row", "Unknown sex"),
    ({"value": "", "note": "à compléter"}, "value", "Type a value"),
])
def test_bad_entries_are_refused_with_a_message_and_nothing_is_written(territory, people, share, row, field,
                                                                       message):
    good = {"indicator_id": share.id, "sex": "male", "value": "20"}
    bad = {"indicator_id": share.id, **row}
    with pytest.raises(entry.EntryRefused) as refused:
        enter(people.antenna, territory, "2025", good, bad)
    errors = refused.value.errors
    assert len(errors) == 1
    assert message in next(iter(errors.values()))[field]
    assert "Nothing was saved" in str(refused.value.message)
    assert value_rows() == [] and audit_verbs() == []


def test_counts_must_be_whole_and_within_the_maximum(territory, people, count, db):
    score = make_indicator("score", unit="score", aggregation="mean", disaggregations=(), max_value=10, position=3)
    with pytest.raises(entry.EntryRefused) as refused:
        enter(people.antenna, territory, "2025", {"indicator_id": count.id, "value": "2,5"},
              {"indicator_id": score.id, "value": "11"},
              {"indicator_id": count.id, "value": "3", "numerator": "1", "denominator": "2", "area": "rural"})
    messages = [m for errors in refused.value.errors.values() for m in errors.values()]
    assert any("whole number" in m for m in messages)
    assert any("at most 10" in m for m in messages)
    assert any("takes no numerator" in m for m in messages)
    assert value_rows() == []


def test_a_period_in_the_future_is_refused_for_measures_but_not_for_targets(territory, people, share):
    with pytest.raises(DomainError) as refused:
        enter(people.antenna, territory, "2027", {"indicator_id": share.id, "value": "40"})
    assert refused.value.field == "period" and "has not begun" in str(refused.value.message)
    with pytest.raises(DomainError, match="has not begun"):
        enter(people.antenna, territory, "2026-S2", {"indicator_id": share.id, "kind": "baseline", "value": "40"})
    with pytest.raises(DomainError, match="is not a period"):
        enter(people.antenna, territory, "2026-13", {"indicator_id": share.id, "value": "40"})
    assert value_rows() == []
    enter(people.antenna, territory, "2030", {"indicator_id": share.id, "kind": "target", "value": "60"})
    enter(people.antenna, territory, "2026-s1", {"indicator_id": share.id, "value": "40"})
    assert [(r.kind, r.period) for r in value_rows()] == [("target", "2030"), ("measure", "2026-S1")]


def test_only_the_antenna_enters(territory, people, share):
    for someone in (people.delegate, people.steering, people.member, people.other_delegate):
        with pytest.raises(DomainError, match="Only the antenna"):
            enter(someone, territory, "2025", {"indicator_id": share.id, "value": "40"})
    assert value_rows() == []


def test_a_value_far_from_the_previous_ones_asks_for_confirmation(territory, people, share):
    enter(people.antenna, territory, "2023", {"indicator_id": share.id, "value": "20"})
    enter(people.antenna, territory, "2024", {"indicator_id": share.id, "value": "22"})
    with pytest.raises(entry.NeedsConfirmation) as asked:
        enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "40"},
              {"indicator_id": share.id, "sex": "female", "value": "40"}, confirm=False)
    assert list(asked.value.warnings) == [f"{share.id}.measure.x.x.x"]
    assert "22.0 in 2024" in asked.value.warnings[f"{share.id}.measure.x.x.x"]
    assert len(value_rows()) == 2
    enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "40"}, confirm=True)
    assert [r.value for r in value_rows()][-1] == 40


def test_three_standard_deviations_from_the_history_ask_for_confirmation(territory, people, share):
    for period, number in (("2021", "10"), ("2022", "11"), ("2023", "10"), ("2024", "11")):
        enter(people.antenna, territory, period, {"indicator_id": share.id, "value": number})
    with pytest.raises(entry.NeedsConfirmation):
        enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "14"}, confirm=False)
    enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "11,5"}, confirm=False)
    assert value_rows()[-1].value == Decimal("11.5")


def test_editing_before_validation_keeps_the_old_version(territory, people, share):
    first = enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "40"})[0]
    assert enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "40,0"}) == []
    second = enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "45"})[0]
    old, new = value_rows()
    assert (old.id, old.is_current, old.value) == (first.id, False, 40)
    assert (new.id, new.is_current, new.version, new.replaces_id, new.status) == (second.id, True, 2, old.id, "entered")
    assert new.reason == "Edited before validation"
    assert audit_verbs() == [("create", str(old.id)), ("update", str(new.id))]


def test_a_form_read_before_someone_else_saved_is_a_conflict(territory, people, share):
    first = enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "40"})[0]
    enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "45", "base_id": first.id})
    with pytest.raises(entry.ValueConflict):
        enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "50", "base_id": first.id})
    with pytest.raises(entry.ValueConflict):
        enter(people.antenna, territory, "2025", {"indicator_id": share.id, "sex": "male", "value": "5", "base_id": 99})
    assert [r.value for r in value_rows()] == [40, 45]


# --- approval ------------------------------------------------------------------------------------

def test_approval_level_by_level(territory, people, share):
    value_id = enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "40"})[0].id
    with pytest.raises(DomainError, match="Only the provincial delegate"):
        entry.validate_values(people.antenna, territory, "2025", [value_id])
    with pytest.raises(DomainError, match="Only the provincial delegate"):
        entry.validate_values(people.other_delegate, territory, "2025", [value_id])
    with pytest.raises(DomainError, match="not validated by the provincial delegate yet"):
        entry.approve_values(people.steering, [value_id])
    assert entry.validate_values(people.delegate, territory, "2025", [value_id]) == 1
    value = _db.session.get(IndicatorValue, value_id)
    assert (value.status, value.validated_by_id) == ("validated", people.delegate.id)
    with pytest.raises(DomainError, match="already validated"):
        entry.validate_values(people.delegate, territory, "2025", [value_id])
    for someone in (people.delegate, people.antenna, people.member):
        with pytest.raises(DomainError, match="Only the steering committee"):
            entry.approve_values(someone, [value_id])
    assert entry.approve_values(people.steering, [value_id]) == 1
    value = _db.session.get(IndicatorValue, value_id)
    assert (value.status, value.approved_by_id) == ("approved", people.steering.id)
    with pytest.raises(DomainError, match="already approved"):
        entry.approve_values(people.steering, [value_id])
    assert audit_verbs() == [("create", str(value_id)), ("validate", str(value_id)), ("approve", str(value_id))]


def test_a_delegate_validates_only_values_of_their_territory(territory, people, share):
    other = people.other_territory
    foreign = enter(make_antenna(other), other, "2025", {"indicator_id": share.id, "value": "40"})[0].id
    mine = enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "40"})[0].id
    with pytest.raises(DomainError, match="not all of this territory"):
        entry.validate_values(people.delegate, territory, None, [mine, foreign])
    with pytest.raises(DomainError, match="not all of this territory and period"):
        entry.validate_values(people.delegate, territory, "2024", [mine])
    with pytest.raises(DomainError, match="no longer exist"):
        entry.validate_values(people.delegate, territory, None, [mine, 987654])
    assert {r.status for r in value_rows()} == {"entered"}


def make_antenna(territory):
    from tests.conftest import make_user

    return make_user("antenna_staff", territory=territory)


def test_validation_is_all_or_nothing(territory, people, share):
    first = enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "40"})[0].id
    second = enter(people.antenna, territory, "2025", {"indicator_id": share.id, "sex": "male", "value": "30"})[0].id
    entry.validate_values(people.delegate, territory, "2025", [second])
    with pytest.raises(DomainError, match="already validated"):
        entry.validate_values(people.delegate, territory, "2025", [first, second])
    assert _db.session.get(IndicatorValue, first).status == "entered"


def test_approved_values_are_locked(territory, people, share):
    value = approved(people, territory, share)
    with pytest.raises(entry.EntryRefused) as refused:
        enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "41"})
    assert "approved and locked" in next(iter(refused.value.errors.values()))["row"]
    assert "correction" in next(iter(refused.value.errors.values()))["row"]
    assert enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "40"}) == []
    with pytest.raises(DomainError, match="approved and locked"):
        entry.return_value(people.delegate, value.id, "Erreur")
    assert [(r.value, r.status, r.is_current) for r in value_rows()] == [(40, "approved", True)]


def test_a_validated_value_is_corrected_not_edited(territory, people, share):
    value_id = enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "40"})[0].id
    entry.validate_values(people.delegate, territory, "2025", [value_id])
    with pytest.raises(entry.EntryRefused) as refused:
        enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "41"})
    assert "already validated" in next(iter(refused.value.errors.values()))["row"]


def test_sending_back_with_a_reason(territory, people, share):
    value_id = enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "40"})[0].id
    entry.validate_values(people.delegate, territory, "2025", [value_id])
    with pytest.raises(DomainError, match="Only the provincial delegate of this territory or the steering"):
        entry.return_value(people.antenna, value_id, "Non")
    with pytest.raises(DomainError, match="Say why"):
        entry.return_value(people.steering, value_id, "  ")
    entry.return_value(people.steering, value_id, "Le dénominateur ne correspond pas au registre.")
    value = _db.session.get(IndicatorValue, value_id)
    assert (value.status, value.validated_by_id, value.validated_at) == ("entered", None, None)
    event = entry.returned_reasons([value_id])[value_id]
    assert event.changes["return_reason"]["after"] == "Le dénominateur ne correspond pas au registre."
    assert event.changes["status"] == {"before": "validated", "after": "entered"}
    with pytest.raises(DomainError, match="Only the provincial delegate"):
        entry.return_value(people.steering, value_id, "Encore")  # entered: the delegate's to send back
    entry.return_value(people.delegate, value_id, "Préciser la source")
    edited = enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "42"})[0]
    assert edited.version == 2
    assert [verb for verb, _id in audit_verbs()] == ["create", "validate", "return", "return", "update"]


# --- correction ----------------------------------------------------------------------------------

def test_correction_opens_a_new_version_with_its_reason_and_keeps_the_old(territory, people, share):
    old = approved(people, territory, share)
    with pytest.raises(DomainError, match="Say why"):
        entry.correct_value(people.antenna, old.id, "42", "")
    with pytest.raises(DomainError, match="A percentage is between 0 and 100"):
        entry.correct_value(people.antenna, old.id, "142", "Typo")
    with pytest.raises(DomainError, match="changes nothing"):
        entry.correct_value(people.antenna, old.id, "40,0", "Typo")
    for someone in (people.member, people.steering, people.other_delegate):
        with pytest.raises(DomainError, match="Only the antenna or the provincial delegate"):
            entry.correct_value(someone, old.id, "42", "Typo")
    new = entry.correct_value(people.delegate, old.id, "42,5", "Erreur de saisie : registre de mars")
    first, second = value_rows()
    assert (first.id, first.is_current, first.status, first.value) == (old.id, False, "approved", 40)
    assert (second.id, second.is_current, second.status, second.version, second.replaces_id) == (
        new.id, True, "entered", 2, old.id)
    assert second.value == Decimal("42.5") and second.reason == "Erreur de saisie : registre de mars"
    assert second.slot == first.slot and second.entered_by_id == people.delegate.id
    assert audit_verbs()[-1] == ("correct", str(new.id))
    entry.validate_values(people.delegate, territory, "2025", [new.id])
    entry.approve_values(people.steering, [new.id])
    assert [verb for verb, _id in audit_verbs()] == ["create", "validate", "approve", "correct", "validate",
                                                     "approve"]


def test_correction_of_a_rate_from_its_counts(territory, people, share):
    old = approved(people, territory, share, value="", numerator="10", denominator="40", sex="female")
    assert old.value == 25
    new = entry.correct_value(people.antenna, old.id, "", "Recompté", numerator="12", denominator="40")
    assert (new.value, new.numerator, new.denominator, new.sex) == (30, 12, 40, "female")


def test_two_corrections_of_the_same_version_one_wins(territory, people, share):
    old = approved(people, territory, share)
    entry.correct_value(people.antenna, old.id, "41", "Première correction")
    with pytest.raises(entry.ValueConflict) as conflict:
        entry.correct_value(people.delegate, old.id, "43", "Seconde correction")
    assert conflict.value.current.value == 41 and conflict.value.current.version == 2
    assert [(r.value, r.is_current) for r in value_rows()] == [(40, False), (41, True)]


def test_a_stale_compare_and_set_is_a_conflict(territory, people, share, monkeypatch):
    """Someone corrects between our reading and our write: the compare-and-set finds the version
    no longer current and nothing of ours is written."""
    old = approved(people, territory, share)
    retire = entry._retire

    def late(current, *, statuses):
        _db.session.execute(sa.update(IndicatorValue).where(IndicatorValue.id == current.id).values(is_current=False))
        _db.session.add(IndicatorValue(indicator_id=share.id, territory_id=territory.id, period="2025",
                                       kind="measure", slot=current.slot, value=Decimal(44), status="entered",
                                       version=2, is_current=True, replaces_id=current.id, reason="Autre"))
        _db.session.flush()
        _db.session.commit()
        return retire(current, statuses=statuses)

    monkeypatch.setattr(entry, "_retire", late)
    with pytest.raises(entry.ValueConflict) as conflict:
        entry.correct_value(people.antenna, old.id, "41", "Ma correction")
    assert conflict.value.current.value == 44
    assert [(r.value, r.is_current) for r in value_rows()] == [(40, False), (44, True)]
    assert "correct" not in [verb for verb, _id in audit_verbs()]


def test_the_unique_index_keeps_one_current_version_per_slot(territory, people, share):
    value = enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "40"})[0]
    _db.session.add(IndicatorValue(indicator_id=share.id, territory_id=territory.id, period="2025", kind="measure",
                                   slot=value.slot, value=Decimal(41), version=2, is_current=True))
    with pytest.raises(sa.exc.IntegrityError):
        _db.session.flush()
    _db.session.rollback()


def test_concurrent_corrections_on_postgresql(app, territory, people, share):
    """Two corrections of the same version at once, in two connections: one wins, the other gets a
    conflict, and the slot keeps one current version."""
    if _db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    old = approved(people, territory, share)
    old_id, user_ids = old.id, (people.antenna.id, people.delegate.id)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def correct(user_id: int, number: str) -> None:
        from najma.auth.models import User

        with app.app_context():
            user = _db.session.get(User, user_id)
            _db.session.get(IndicatorValue, old_id)
            barrier.wait()
            try:
                entry.correct_value(user, old_id, number, f"Correction {number}")
                outcomes.append("won")
            except entry.ValueConflict:
                outcomes.append("conflict")
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=correct, args=(user_id, number))
               for user_id, number in zip(user_ids, ("41", "43"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["conflict", "won"]
    rows = value_rows(share)
    assert len(rows) == 2 and [r.is_current for r in rows] == [False, True]


# --- reading -------------------------------------------------------------------------------------

def test_pending_values_are_hidden_from_a_committee_member(territory, people, share):
    approved(people, territory, share, period="2024", value="35")
    enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "40"})
    for reader, shown in ((people.member, {"2024"}), (people.antenna, {"2024", "2025"}),
                          (people.delegate, {"2024", "2025"}), (people.steering, {"2024", "2025"})):
        page = entry.territory_indicators(territory, reader)
        table = next(t for t in page.tables if t.indicator.id == share.id)
        assert {period for _key, period in table.measures} == shown, reader
    assert [v.period for v in entry.territory_indicators(territory, people.delegate).awaiting] == ["2025"]
    assert entry.territory_indicators(territory, people.antenna).awaiting == []


def test_pending_lists_by_level(territory, people, share):
    first = enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "40"})[0].id
    second = enter(people.antenna, territory, "2025", {"indicator_id": share.id, "sex": "male", "value": "30"})[0].id
    entry.validate_values(people.delegate, territory, "2025", [second])
    assert [v.id for v in entry.pending_values(people.delegate)] == [first]
    assert [v.id for v in entry.pending_values(people.steering)] == [second]
    assert entry.pending_values(people.other_delegate) == []
    assert entry.pending_values(people.member) == []


def test_target_group_breakdowns(territory, people, db):
    coverage = make_indicator("coverage", disaggregations=("target_group",), position=4)
    group = target_group("women_in_difficulty")
    enter(people.antenna, territory, "2025", {"indicator_id": coverage.id, "target_group_id": group.id,
                                              "numerator": "3", "denominator": "4"})
    assert value_rows()[0].target_group_id == group.id and value_rows()[0].value == 75
    with pytest.raises(entry.EntryRefused, match="refused"):
        enter(people.antenna, territory, "2025", {"indicator_id": coverage.id, "target_group_id": 987654,
                                                  "value": "10"})


# --- demo values ---------------------------------------------------------------------------------

def _enter_demo(people, territory, period, *rows):
    from tests.indicators._entry_fixtures import TODAY

    return entry.enter_values(people.antenna, territory, period, rows, confirm=True, today=TODAY, is_demo=True)


def test_values_entered_as_demo_are_flagged_and_others_are_not(territory, people, share):
    _enter_demo(people, territory, "2025", {"indicator_id": share.id, "value": "40"})
    enter(people.antenna, territory, "2025", {"indicator_id": share.id, "sex": "male", "value": "30"})
    assert [(r.sex, r.value, r.is_demo) for r in value_rows()] == [(None, 40, True), ("male", 30, False)]


def test_a_new_version_of_a_demo_value_stays_demo(territory, people, share):
    """Edited before validation, or corrected once approved, a demo value's new version is still
    labelled demo; a real value's versions stay real."""
    demo = _enter_demo(people, territory, "2025", {"indicator_id": share.id, "value": "40"})[0]
    real = enter(people.antenna, territory, "2025", {"indicator_id": share.id, "sex": "male", "value": "30"})[0]
    edited = enter(people.antenna, territory, "2025", {"indicator_id": share.id, "value": "41"},
                   {"indicator_id": share.id, "sex": "male", "value": "31"})
    assert [(r.sex, r.version, r.is_demo) for r in edited] == [(None, 2, True), ("male", 2, False)]
    ids = [row.id for row in edited]
    entry.validate_values(people.delegate, territory, "2025", ids)
    entry.approve_values(people.steering, ids)
    corrected = [entry.correct_value(people.delegate, value_id, figure, "Registre recompté")
                 for value_id, figure in zip(ids, ("42", "32"))]
    assert [(r.version, r.status, r.is_demo) for r in corrected] == [(3, "entered", True), (3, "entered", False)]
    assert [(r.id, r.is_demo) for r in value_rows() if r.sex is None] == [
        (demo.id, True), (ids[0], True), (corrected[0].id, True)]
    assert not any(r.is_demo for r in value_rows() if r.sex == "male") and real.is_demo is False


def test_an_approved_figure_stays_official_until_its_correction_is_approved(territory, people, count):
    from najma.indicators import services

    old = approved(people, territory, count, value="40")
    public = lambda: [(p.period, p.measure.value) for p in services.series(count, territory)]  # noqa: E731
    assert public() == [("2025", Decimal(40))]
    correction = entry.correct_value(people.antenna, old.id, "42", "Registre de mars")
    # Readers who take no part in approving it still read the approved 40; the steering committee
    # and the territory's delegate see the correction under way.
    assert public() == [("2025", Decimal(40))]
    assert services.series(count, territory, include_pending=True)[0].measure.value == Decimal(42)
    assert services.series(count, territory, include_pending={territory.id})[0].measure.value == Decimal(42)
    assert services.series(count, include_pending={people.other_territory.id})[0].measure.value == Decimal(40)
    # Sent back, then corrected again before approval: the approved figure is still the official one.
    entry.return_value(people.delegate, correction.id, "Source manquante")
    again = entry.correct_value(people.antenna, correction.id, "43", "Registre complet")
    assert public() == [("2025", Decimal(40))]
    assert services.overview(count).nation["measure"].value == Decimal(40)
    page = entry.territory_indicators(territory, people.member)
    shown = next(table for table in page.tables if table.indicator.id == count.id).measures
    assert [(v.value, v.status) for v in shown.values()] == [(Decimal(40), "approved")]
    entry.validate_values(people.delegate, territory, "2025", [again.id])
    entry.approve_values(people.steering, [again.id])
    assert public() == [("2025", Decimal(43))]
    assert services.overview(count).nation["measure"].figure.count == 1
    assert [(v.value, v.status, v.is_current, v.is_official) for v in value_rows(count)] == [
        (40, "approved", False, False), (42, "entered", False, False), (43, "approved", True, True)]
