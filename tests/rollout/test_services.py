"""Phase transitions: a passing gate moves the territory and records the decision with the gate as
it stood; a failing gate is refused with its failing items and changes nothing, unless a steering
member overrides it with a justification that stays on record; no skipping, never back; two
simultaneous moves give one. Also the manual ticks, the programme's own phase and the admins'
editing of gate items."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from tests.conftest import make_user
from tests.rollout.conftest import someone_else_first, staffed

from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.extensions import db
from najma.governance import services as governance
from najma.notifications.models import Notification
from najma.rollout import gates, services
from najma.rollout.models import GateCheck, GateItem, PhaseTransition
from najma.territories.models import Territory
from najma.territories.services import territory_bodies


def steering_meeting(title="Comité de pilotage"):
    return governance.create_meeting(None, governance.get_steering_body(), {
        "title": title, "starts_at": datetime(2026, 3, 2, 9, tzinfo=timezone.utc), "place": "Rabat"})


def transitions(territory=None) -> list[PhaseTransition]:
    query = sa.select(PhaseTransition).order_by(PhaseTransition.id)
    if territory is not None:
        query = query.where(PhaseTransition.territory_id == territory.id)
    return list(db.session.execute(query).scalars())


def audit_verbs(object_type="PhaseTransition") -> list[str]:
    return list(db.session.execute(sa.select(AuditEvent.verb).where(AuditEvent.object_type == object_type)
                                   .order_by(AuditEvent.id)).scalars())


def phase_of(territory) -> str:
    return db.session.execute(sa.select(Territory.phase).where(Territory.id == territory.id)).scalar_one()


def manual_item(phase="extension") -> GateItem:
    return db.session.execute(sa.select(GateItem).where(GateItem.to_phase == phase,
                                                        GateItem.kind == "manual")).scalar_one()


def test_a_passing_gate_moves_the_territory_and_records_the_decision(gates_seeded, steering):
    territory = staffed(phase="launch")
    meeting = steering_meeting()
    transition = services.move_territory(steering, territory, "experimentation", "  L'expérimentation démarre.  ",
                                         meeting_id=meeting.id)
    assert phase_of(territory) == "experimentation"
    assert (transition.from_phase, transition.to_phase, transition.decision) == (
        "launch", "experimentation", "L'expérimentation démarre.")
    assert transition.decided_by_id == steering.id and transition.decided_by_name == "Samira Pilotage"
    assert transition.meeting_id == meeting.id and not transition.overridden and transition.justification == ""
    assert [item["code"] for item in transition.gate] == ["antenna_two_staff", "commission_in_place",
                                                           "committee_with_chair"]
    assert all(item["passed"] for item in transition.gate)
    assert transition.gate[0]["detail"] == "2 staff seats filled"
    assert transition.gate[0]["evidence"].startswith("/bodies/")
    assert audit_verbs() == ["transition"]


def test_the_delegate_and_the_antenna_are_notified(gates_seeded, steering):
    territory = staffed(phase="launch")
    delegate = make_user("delegate", territory=territory)
    staff = make_user("antenna_staff", territory=territory)
    make_user("commission_member", territory=territory)
    services.move_territory(steering, territory, "experimentation", "Décision.")
    sent = db.session.execute(sa.select(Notification.user_id, Notification.kind, Notification.params,
                                        Notification.url).order_by(Notification.user_id)).all()
    assert [(row.user_id, row.kind) for row in sent] == [(delegate.id, "phase_changed"), (staff.id, "phase_changed")]
    assert sent[0].params == {"territory": territory.name, "phase": "experimentation"}
    # The territory's page, which delegates and antenna staff may open (the phase page is the steering's).
    assert sent[0].url == sent[1].url == f"/territories/{territory.slug}"


def test_a_failing_gate_is_refused_with_its_items_and_changes_nothing(gates_seeded, steering):
    territory = staffed(phase="launch", antenna_staff=1, committee_chair=False)
    with pytest.raises(services.GateRefused) as refused:
        services.move_territory(steering, territory, "experimentation", "Décision.")
    assert [item.code for item in refused.value.failing] == ["antenna_two_staff", "committee_with_chair"]
    assert "The antenna has at least two staff in post" in str(refused.value.message)
    db.session.rollback()
    assert phase_of(territory) == "launch"
    assert transitions() == [] and audit_verbs() == []


def test_an_override_needs_a_justification_of_twenty_characters(gates_seeded, steering):
    territory = staffed(phase="launch", antenna_staff=1)
    with pytest.raises(DomainError) as short:
        services.move_territory(steering, territory, "experimentation", "Décision.",
                                override_justification="Trop court.")
    assert short.value.field == "override_justification"
    assert "at least 20 characters" in str(short.value.message)
    db.session.rollback()
    assert phase_of(territory) == "launch" and transitions() == []


def test_only_a_steering_member_may_override(gates_seeded):
    territory = staffed(phase="launch", antenna_staff=1)
    evaluator = make_user("evaluator")
    with pytest.raises(DomainError) as refused:
        services.move_territory(evaluator, territory, "experimentation", "Décision.",
                                override_justification="Le second poste est pourvu le mois prochain.")
    assert "Only a member of the steering committee" in str(refused.value.message)
    db.session.rollback()
    assert phase_of(territory) == "launch"


def test_an_override_is_recorded_with_its_justification_and_audited(gates_seeded, steering):
    territory = staffed(phase="launch", antenna_staff=1)
    justification = "Le second poste est pourvu le mois prochain (recrutement signé)."
    transition = services.move_territory(steering, territory, "experimentation", "Démarrage malgré tout.",
                                         override_justification=justification)
    assert phase_of(territory) == "experimentation"
    assert transition.overridden and transition.justification == justification
    failing = [item for item in transition.gate if not item["passed"]]
    assert [item["code"] for item in failing] == ["antenna_two_staff"]
    assert failing[0]["detail"] == "1 of 2 staff seats filled"
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_type == "PhaseTransition")).scalar_one()
    assert event.verb == "override" and event.actor_id == steering.id and event.territory_id == territory.id
    assert event.changes["justification"]["after"] == justification
    assert event.changes["failing"]["after"] == ["antenna_two_staff"]


def test_a_justification_is_not_recorded_when_the_gate_passes(gates_seeded, steering):
    territory = staffed(phase="launch")
    transition = services.move_territory(steering, territory, "experimentation", "Décision.",
                                         override_justification="Une justification inutile ici, le seuil passe.")
    assert not transition.overridden and transition.justification == ""
    assert audit_verbs() == ["transition"]


@pytest.mark.parametrize(("phase", "target", "message"), [
    ("launch", "appropriation", "Phases are not skipped: the next phase after Launch is Experimentation."),
    ("appropriation", "experimentation", "A phase is never moved back"),
    ("experimentation", "experimentation", "Already in the Experimentation phase"),
    ("generalisation", "nowhere", "Unknown rollout phase."),
])
def test_skipping_moving_back_or_staying_is_refused(gates_seeded, steering, phase, target, message):
    territory = staffed(phase=phase)
    with pytest.raises(DomainError) as refused:
        services.move_territory(steering, territory, target, "Décision.",
                                override_justification="Une justification bien assez longue pour passer.")
    assert message in str(refused.value.message)
    db.session.rollback()
    assert phase_of(territory) == phase and transitions() == []


def test_a_decision_is_required(gates_seeded, steering):
    territory = staffed(phase="launch")
    with pytest.raises(DomainError) as refused:
        services.move_territory(steering, territory, "experimentation", "   ")
    assert refused.value.field == "decision"
    assert phase_of(territory) == "launch"


def test_the_meeting_must_be_the_steering_committees(gates_seeded, steering):
    territory = staffed(phase="launch")
    local = governance.create_meeting(None, territory_bodies(territory)["committee"], {
        "title": "Comité local", "starts_at": datetime(2026, 3, 2, 9, tzinfo=timezone.utc)})
    for meeting_id in (local.id, 999_999):
        with pytest.raises(DomainError) as refused:
            services.move_territory(steering, territory, "experimentation", "Décision.", meeting_id=meeting_id)
        assert refused.value.field == "meeting_id"
    assert phase_of(territory) == "launch" and transitions() == []


def test_a_phase_changed_meanwhile_is_a_conflict_and_records_nothing(gates_seeded, steering, monkeypatch):
    territory = staffed(phase="launch")
    real_evaluate = gates.evaluate

    def someone_moves_it_meanwhile(t, to_phase):
        result = real_evaluate(t, to_phase)
        # Another steering member's move commits between this reading and the write.
        with db.engine.begin() as connection:
            connection.execute(sa.update(Territory).where(Territory.id == t.id).values(phase="experimentation"))
        return result

    monkeypatch.setattr(gates, "evaluate", someone_moves_it_meanwhile)
    with pytest.raises(services.PhaseConflict) as conflict:
        services.move_territory(steering, territory, "experimentation", "Décision.")
    assert "changed meanwhile" in str(conflict.value.message)
    assert transitions() == [] and audit_verbs() == []
    assert phase_of(territory) == "experimentation"


def test_the_history_lists_transitions_newest_first_with_their_meetings(gates_seeded, steering):
    territory = staffed(phase="launch", committee_chair=False)
    meeting = steering_meeting("Comité de pilotage de mars")
    with pytest.raises(services.GateRefused):
        services.move_territory(steering, territory, "experimentation", "Refusée.")
    db.session.rollback()
    services.move_territory(steering, territory, "experimentation", "Première décision.", meeting_id=meeting.id,
                            override_justification="Le président est désigné par le gouverneur la semaine prochaine.")
    services.move_territory(steering, territory, "appropriation", "Deuxième décision.",
                            override_justification="Le projet est voté, les conventions suivent sous quinzaine.")
    entries = services.history(territory)
    assert [e.transition.decision for e in entries] == ["Deuxième décision.", "Première décision."]
    assert entries[1].meeting.title == "Comité de pilotage de mars" and entries[0].meeting is None
    assert [i["code"] for i in entries[1].failing] == ["committee_with_chair"]
    assert entries[0].transition.from_phase == "experimentation"


# --- manual ticks ------------------------------------------------------------------------------

def test_ticking_and_unticking_a_manual_item_is_audited(gates_seeded, steering):
    territory = staffed(phase="appropriation")
    item = manual_item()
    check = services.check_item(steering, territory, item, "  Rapport reçu.  ")
    assert (check.note, check.checked_by_id) == ("Rapport reçu.", steering.id)
    with pytest.raises(DomainError, match="already ticked"):
        services.check_item(steering, territory, item)
    db.session.rollback()
    services.uncheck_item(steering, territory, item)
    assert db.session.execute(sa.select(GateCheck)).first() is None
    with pytest.raises(DomainError, match="not ticked"):
        services.uncheck_item(steering, territory, item)
    assert audit_verbs("GateCheck") == ["create", "delete"]


def test_automatic_and_inactive_items_are_not_ticked(gates_seeded, steering):
    territory = staffed(phase="launch")
    auto = db.session.execute(sa.select(GateItem).where(GateItem.code == "antenna_two_staff")).scalar_one()
    with pytest.raises(DomainError, match="only manual items are ticked"):
        services.check_item(steering, territory, auto)
    item = manual_item()
    item.active = False
    db.session.commit()
    with pytest.raises(DomainError, match="no longer part of the gate"):
        services.check_item(steering, territory, item)


def test_only_items_of_the_gate_into_the_next_phase_are_ticked(gates_seeded, steering):
    territory = staffed(phase="experimentation")
    with pytest.raises(DomainError, match="not the next phase") as refused:
        services.check_item(steering, territory, manual_item("extension"))
    assert refused.value.field is None
    with pytest.raises(DomainError, match="not the next phase"):
        services.check_item(steering, staffed(phase="generalisation"), manual_item("generalisation"))
    assert db.session.execute(sa.select(GateCheck)).first() is None and audit_verbs("GateCheck") == []


def test_an_item_ticked_by_someone_else_at_the_same_moment_is_refused(gates_seeded, steering):
    territory = staffed(phase="appropriation")
    item = manual_item()
    other = make_user("steering")
    with someone_else_first(GateCheck, territory_id=territory.id, gate_item_id=item.id, checked_by_id=other.id,
                            note="Déjà reçu.") as raced:
        with pytest.raises(DomainError, match="already ticked") as refused:
            services.check_item(steering, territory, item, "Rapport reçu.")
    assert raced and refused.value.field is None
    assert db.session.execute(sa.select(GateCheck.checked_by_id, GateCheck.note)).all() == [(other.id, "Déjà reçu.")]
    assert audit_verbs("GateCheck") == []


def test_a_ticked_item_lets_the_move_pass(gates_seeded, steering):
    territory = staffed(phase="appropriation")
    with pytest.raises(services.GateRefused) as refused:
        services.move_territory(steering, territory, "extension", "Décision.")
    assert "external_evaluation" in [item.code for item in refused.value.failing]
    db.session.rollback()
    services.check_item(steering, territory, manual_item(), "Évaluation externe reçue.")
    db.session.execute(sa.update(GateItem).where(GateItem.code == "previous_evaluation_recorded")
                       .values(active=False))
    db.session.commit()
    assert services.move_territory(steering, territory, "extension", "Extension décidée.").overridden is False
    assert phase_of(territory) == "extension"


# --- the programme's phase ----------------------------------------------------------------------

def test_the_programme_starts_in_launch_and_moves_one_phase_at_a_time(gates_seeded, steering):
    assert services.programme_phase() == "launch"
    territory = staffed(phase="launch")
    services.move_territory(steering, territory, "experimentation", "Un territoire bouge.")
    assert services.programme_phase() == "launch"  # a territory's move is not the programme's
    with pytest.raises(DomainError, match="not skipped"):
        services.set_programme_phase(steering, "appropriation", "Décision.")
    meeting = steering_meeting()
    services.set_programme_phase(steering, "experimentation", "Les quatre pilotes démarrent.", meeting_id=meeting.id)
    assert services.programme_phase() == "experimentation"
    with pytest.raises(DomainError, match="never moved back"):
        services.set_programme_phase(steering, "launch", "Retour.")
    services.set_programme_phase(steering, "appropriation", "Appropriation.")
    history = services.programme_history()
    assert [e.transition.to_phase for e in history] == ["appropriation", "experimentation"]
    assert history[1].meeting.id == meeting.id and history[1].transition.territory_id is None
    assert audit_verbs().count("transition") == 3


def test_a_programme_moved_meanwhile_is_a_conflict_and_records_one_move(gates_seeded, steering):
    other = make_user("steering")
    with someone_else_first(PhaseTransition, territory_id=None, from_phase="launch", to_phase="experimentation",
                            decided_on=date(2026, 3, 2), decided_by_id=other.id,
                            decision="Décision de l'autre membre.") as raced:
        with pytest.raises(services.PhaseConflict) as conflict:
            services.set_programme_phase(steering, "experimentation", "Ma décision.")
    assert raced and "changed meanwhile" in str(conflict.value.message)
    assert [(t.from_phase, t.to_phase, t.decision) for t in transitions()] == [
        ("launch", "experimentation", "Décision de l'autre membre.")]
    assert audit_verbs() == [] and services.programme_phase() == "experimentation"


def test_two_programme_moves_from_the_same_phase_give_one(gates_seeded, steering, monkeypatch):
    services.set_programme_phase(steering, "experimentation", "Première décision.")
    monkeypatch.setattr(services, "programme_phase", lambda: "launch")  # a reading made before that move
    with pytest.raises(services.PhaseConflict, match="changed meanwhile"):
        services.set_programme_phase(make_user("steering"), "experimentation", "Seconde décision.")
    assert [t.decision for t in transitions()] == ["Première décision."] and audit_verbs() == ["transition"]


# --- gate items -----------------------------------------------------------------------------------

def test_admins_edit_add_and_reorder_gate_items(gates_seeded):
    admin = make_user("admin")
    item = db.session.execute(sa.select(GateItem).where(GateItem.code == "commission_in_place")).scalar_one()
    services.update_gate_item(admin, item, services.GateItemData(" Commission réunie ", "", "Commission met", False))
    assert (item.label_fr, item.label_en, item.active) == ("Commission réunie", "Commission met", False)
    with pytest.raises(DomainError) as refused:
        services.update_gate_item(admin, item, services.GateItemData("", "", "", True))
    assert refused.value.field == "label_fr"
    db.session.rollback()
    manual = services.add_gate_item(admin, "experimentation", "manual", None,
                                    services.GateItemData("Local de l'antenne disponible"))
    assert (manual.code, manual.kind, manual.rule, manual.position) == ("manual_1", "manual", None, 4)
    with pytest.raises(DomainError, match="already checks that rule"):
        services.add_gate_item(admin, "experimentation", "auto", "antenna_two_staff", services.GateItemData("Bis"))
    db.session.rollback()
    with pytest.raises(DomainError) as unknown:
        services.add_gate_item(admin, "experimentation", "auto", "import os", services.GateItemData("Code"))
    assert unknown.value.field == "rule"
    db.session.rollback()
    auto = services.add_gate_item(admin, "extension", "auto", "conventions_signed",
                                  services.GateItemData("Conventions toujours signées"))
    assert (auto.code, auto.rule) == ("conventions_signed", "conventions_signed")
    services.move_gate_item(admin, manual, "up")
    assert [i.code for i in gates.gate_items(["experimentation"], active_only=False)] == [
        "antenna_two_staff", "commission_in_place", "manual_1", "committee_with_chair"]
    with pytest.raises(DomainError, match="already at that end"):
        services.move_gate_item(admin, gates.gate_items(["experimentation"])[0], "up")
    assert audit_verbs("GateItem") == ["update", "create", "create", "update"]
