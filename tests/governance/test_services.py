"""Governance rules: what a body lacks, seats and the roles they give, meetings and minutes."""
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy import orm

from najma.audit import AuditEvent
from najma.auth.models import RoleAssignment
from najma.errors import DomainError, StaleEditError
from najma.governance import services
from najma.governance.models import Attendance, Decision, Meeting, Membership
from najma.territories.services import territory_bodies
from najma.vocab import RECOMMENDED_COMMITTEE_SECTORS, REQUIRED_COMMITTEE_SECTORS, SECTORS
from tests.conftest import make_member, make_territory, make_user

TODAY = date.today()
PAST = datetime.now(timezone.utc) - timedelta(days=3)
FUTURE = datetime.now(timezone.utc) + timedelta(days=3)


@pytest.fixture(autouse=True)
def english(app):
    """Messages are checked in English, whatever catalogues exist for French and Arabic."""
    with force_locale("en"):
        yield


@pytest.fixture
def bodies(territory):
    return territory_bodies(territory)


def count(db, model, *where) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()


def findings_of(body):
    return services.body_findings(body, services.current_members(body, TODAY))


def levels(findings):
    return [f.level for f in findings]


def full_committee(body, *, skip=(), voting=True):
    """A chair from Entraide Nationale and one member per required sector (minus ``skip``)."""
    make_member(body, name="Délégué provincial", role="chair", sector="entraide_nationale", voting=voting)
    for sector in REQUIRED_COMMITTEE_SECTORS:
        if sector not in skip:
            make_member(body, sector=sector, voting=voting)


def seat_data(**overrides):
    data = {"full_name": "Amina Idrissi", "role": "member", "sector": "associations", "organisation": "",
            "discipline": "", "voting": True, "start_date": date(2025, 1, 1), "end_date": None,
            "user_id": None}
    data.update(overrides)
    return data


# --- body_findings: the antenna --------------------------------------------------------------

def test_antenna_without_staff_is_flagged_as_a_danger(db, bodies):
    findings = findings_of(bodies["antenna"])
    assert levels(findings) == ["danger"]
    assert "0 staff" in findings[0].message and "two" in findings[0].message


def test_antenna_with_one_staff_member_is_flagged(db, bodies):
    make_member(bodies["antenna"], discipline="Sociologie", sector=None)
    findings = findings_of(bodies["antenna"])
    assert levels(findings) == ["danger"]
    assert "1 staff" in findings[0].message


def test_antenna_with_two_staff_of_complementary_disciplines_is_complete(db, bodies):
    make_member(bodies["antenna"], discipline="Sociologie", sector=None)
    make_member(bodies["antenna"], discipline="Travail social", sector=None)
    assert findings_of(bodies["antenna"]) == []


def test_antenna_with_two_staff_of_one_discipline_gets_a_warning(db, bodies):
    make_member(bodies["antenna"], discipline="Sociologie", sector=None)
    make_member(bodies["antenna"], discipline="sociologie ", sector=None)  # same discipline, typed differently
    findings = findings_of(bodies["antenna"])
    assert levels(findings) == ["warning"]
    assert "one discipline" in findings[0].message


def test_antenna_of_three_with_two_disciplines_is_complementary(db, bodies):
    for discipline in ("Sociologie", "Sociologie", "Économie"):
        make_member(bodies["antenna"], discipline=discipline, sector=None)
    assert findings_of(bodies["antenna"]) == []


def test_antenna_staff_without_a_recorded_discipline_is_flagged(db, bodies):
    # add_member refuses such a seat; rows from before the rule (or imports) still get flagged.
    staff = [Membership(full_name="A", role="member", discipline="Sociologie", voting=False),
             Membership(full_name="B", role="member", discipline="  ", voting=False)]
    findings = services.body_findings(bodies["antenna"], staff)
    assert levels(findings) == ["warning"]
    assert "no discipline" in findings[0].message


def test_staff_whose_seat_ended_no_longer_counts(db, bodies):
    make_member(bodies["antenna"], discipline="Sociologie", sector=None)
    make_member(bodies["antenna"], discipline="Travail social", sector=None, end=TODAY - timedelta(days=1))
    findings = findings_of(bodies["antenna"])
    assert levels(findings) == ["danger"] and "1 staff" in findings[0].message


# --- body_findings: committee, commission, steering -------------------------------------------

def test_empty_committee_lists_every_gap(db, bodies):
    findings = findings_of(bodies["committee"])
    assert levels(findings).count("danger") == 2 + len(REQUIRED_COMMITTEE_SECTORS)
    assert levels(findings).count("info") == len(RECOMMENDED_COMMITTEE_SECTORS)
    assert any("no current member" in f.message for f in findings)


def test_committee_without_chair_is_flagged(db, bodies):
    for sector in REQUIRED_COMMITTEE_SECTORS:
        make_member(bodies["committee"], sector=sector)
    make_member(bodies["committee"], role="secretary", sector="entraide_nationale")  # a secretary is no chair
    dangers = [f for f in findings_of(bodies["committee"]) if f.level == "danger"]
    assert len(dangers) == 1
    assert "no chair" in dangers[0].message and "provincial delegate" in dangers[0].message


@pytest.mark.parametrize("missing", REQUIRED_COMMITTEE_SECTORS)
def test_each_missing_required_sector_is_flagged(db, bodies, missing):
    full_committee(bodies["committee"], skip=(missing,))
    dangers = [f for f in findings_of(bodies["committee"]) if f.level == "danger"]
    assert [d.message for d in dangers] == [f"Required sector not represented: {SECTORS[missing]}."]


def test_recommended_sectors_are_advice_only(db, bodies):
    full_committee(bodies["committee"])
    findings = findings_of(bodies["committee"])
    assert levels(findings) == ["info", "info"]
    assert "Businesses" in findings[0].message and "Artisans" in findings[1].message
    make_member(bodies["committee"], sector="businesses")
    make_member(bodies["committee"], sector="artisans")
    assert findings_of(bodies["committee"]) == []


def test_committee_where_nobody_votes_gets_a_warning(db, bodies):
    full_committee(bodies["committee"], voting=False)
    findings = findings_of(bodies["committee"])
    assert [f.message for f in findings if f.level == "warning"] == ["No member of the committee has a vote."]
    make_member(bodies["committee"], sector="businesses", voting=True)
    assert "warning" not in levels(findings_of(bodies["committee"]))


def test_a_member_whose_seat_ended_no_longer_represents_the_sector(db, bodies):
    full_committee(bodies["committee"], skip=("health",))
    make_member(bodies["committee"], sector="health", end=TODAY - timedelta(days=1))
    assert any("Health" in f.message for f in findings_of(bodies["committee"]) if f.level == "danger")


def test_commission_needs_members_but_no_chair_or_sectors(db, bodies):
    assert [f.message for f in findings_of(bodies["commission"])] == ["This body has no current member."]
    make_member(bodies["commission"], sector="associations")
    assert findings_of(bodies["commission"]) == []


def test_steering_without_chair_is_flagged_and_needs_no_sectors(db):
    steering = services.get_steering_body()
    make_member(steering, sector="other")
    assert [f.message for f in findings_of(steering)] == ["The steering committee has no chair."]
    make_member(steering, role="chair", sector="other")
    assert findings_of(steering) == []


def test_steering_body_is_created_once(db):
    first = services.get_steering_body()
    assert services.get_steering_body().id == first.id
    assert first.kind == "steering" and first.territory_id is None


# --- add_member validation ---------------------------------------------------------------------

def _refused(db, body, field, **overrides):
    before = count(db, Membership), count(db, AuditEvent)
    with pytest.raises(DomainError) as error:
        services.add_member(None, body, seat_data(**overrides))
    db.session.rollback()
    assert error.value.field == field
    assert (count(db, Membership), count(db, AuditEvent)) == before
    return str(error.value.message)


def test_a_seat_needs_a_name_or_a_linked_account(db, bodies):
    message = _refused(db, bodies["commission"], "full_name", full_name="   ")
    assert "name" in message


def test_a_linked_account_gives_its_name(db, bodies):
    user = make_user(name="Karima Benjelloun")
    seat = services.add_member(None, bodies["commission"], seat_data(full_name="", user_id=user.id))
    assert seat.full_name == "Karima Benjelloun" and seat.user_id == user.id


def test_an_unknown_account_is_refused(db, bodies):
    _refused(db, bodies["commission"], "account_email", user_id=999999)


def test_committee_member_needs_a_sector(db, bodies):
    assert "sector" in _refused(db, bodies["committee"], "sector", sector=None)
    assert "sector" in _refused(db, bodies["committee"], "sector", sector="")


def test_unknown_sector_and_role_are_refused(db, bodies):
    _refused(db, bodies["committee"], "sector", sector="army")
    _refused(db, bodies["committee"], "role", role="president")


def test_antenna_staff_needs_a_discipline(db, bodies):
    assert "discipline" in _refused(db, bodies["antenna"], "discipline", discipline="  ", sector=None)
    seat = services.add_member(None, bodies["antenna"], seat_data(discipline=" Sociologie ", sector=None))
    assert seat.discipline == "Sociologie"


def test_antenna_staff_never_vote(db, bodies):
    seat = services.add_member(None, bodies["antenna"], seat_data(discipline="Sociologie", voting=True))
    assert seat.voting is False


def test_a_seat_cannot_end_before_it_starts(db, bodies):
    _refused(db, bodies["commission"], "end_date", start_date=date(2025, 3, 1), end_date=date(2025, 2, 28))
    _refused(db, bodies["commission"], "start_date", start_date=None)
    seat = make_member(bodies["commission"], start=date(2025, 3, 1))
    with pytest.raises(DomainError):
        services.end_membership(None, seat, date(2025, 2, 1))
    db.session.rollback()
    assert db.session.get(Membership, seat.id).end_date is None


def test_two_chairs_may_not_overlap(db, bodies):
    make_member(bodies["committee"], name="Mohamed Ait Lahcen", role="chair", sector="entraide_nationale",
                start=date(2025, 1, 1))
    message = _refused(db, bodies["committee"], "role", role="chair", sector="entraide_nationale",
                       start_date=date(2025, 6, 1))
    assert "Mohamed Ait Lahcen" in message
    # An open-ended chair starting earlier overlaps as well.
    _refused(db, bodies["committee"], "role", role="chair", sector="entraide_nationale", start_date=date(2024, 1, 1))


def test_a_chair_after_the_previous_one_ended_is_accepted(db, bodies):
    first = make_member(bodies["committee"], role="chair", sector="entraide_nationale", start=date(2024, 1, 1))
    services.end_membership(None, first, date(2025, 6, 30))
    successor = services.add_member(None, bodies["committee"], seat_data(
        role="chair", sector="entraide_nationale", start_date=date(2025, 7, 1)))
    assert successor.id != first.id
    assert [m.role for m in services.current_members(bodies["committee"], TODAY)] == ["chair"]


def test_a_chair_on_another_body_is_no_conflict(db, bodies):
    make_member(bodies["committee"], role="chair", sector="entraide_nationale")
    other = territory_bodies(make_territory("Chefchaouen", province_code="01.151"))["committee"]
    make_member(other, role="chair", sector="entraide_nationale")
    assert count(db, Membership, Membership.role == "chair") == 2


def test_editing_the_chair_does_not_conflict_with_itself(db, bodies):
    chair = make_member(bodies["committee"], role="chair", sector="entraide_nationale")
    services.update_member(None, chair, seat_data(full_name=chair.full_name, role="chair",
                                                  sector="entraide_nationale", organisation="Délégation"))
    assert db.session.get(Membership, chair.id).organisation == "Délégation"


def test_update_member_is_validated_too(db, bodies):
    seat = make_member(bodies["committee"], sector="health")
    with pytest.raises(DomainError):
        services.update_member(None, seat, seat_data(full_name=seat.full_name, sector=None))
    db.session.rollback()
    assert db.session.get(Membership, seat.id).sector == "health"


# --- roles given by seats ----------------------------------------------------------------------

def test_antenna_seat_gives_antenna_staff_on_its_territory_only(db, bodies, territory):
    other = make_territory("Safi", province_code="07.431")
    user = make_user()
    seat = make_member(bodies["antenna"], user=user, discipline="Sociologie", sector=None)
    db.session.refresh(user)
    assert user.has_role("antenna_staff", territory_id=territory.id)
    assert not user.has_role("antenna_staff", territory_id=other.id)
    grant = db.session.execute(sa.select(RoleAssignment).where(RoleAssignment.user_id == user.id)).scalar_one()
    assert grant.membership_id == seat.id


def test_commission_seat_gives_commission_member(db, bodies, territory):
    user = make_user()
    make_member(bodies["commission"], user=user)
    db.session.refresh(user)
    assert user.role_codes() == {"commission_member"}


def test_committee_chair_is_member_and_delegate_an_ordinary_member_is_not(db, bodies, territory):
    chair, member = make_user(), make_user()
    make_member(bodies["committee"], user=chair, role="chair", sector="entraide_nationale")
    make_member(bodies["committee"], user=member, sector="health")
    db.session.refresh(chair)
    db.session.refresh(member)
    assert chair.has_role("committee_member", territory_id=territory.id)
    assert chair.has_role("delegate", territory_id=territory.id)
    assert member.role_codes() == {"committee_member"}


def test_ending_the_seat_withdraws_the_roles_it_gave(db, bodies, territory):
    user = make_user()
    seat = make_member(bodies["committee"], user=user, role="chair", sector="entraide_nationale")
    services.end_membership(None, seat, TODAY - timedelta(days=1))
    db.session.refresh(user)
    assert user.role_codes() == set()
    assert db.session.get(Membership, seat.id).end_date == TODAY - timedelta(days=1)  # history stays


def test_a_seat_ending_later_keeps_its_role_until_then(db, bodies, territory):
    user = make_user()
    seat = make_member(bodies["antenna"], user=user, discipline="Sociologie", sector=None)
    services.end_membership(None, seat, TODAY + timedelta(days=30))
    db.session.refresh(user)
    assert user.has_role("antenna_staff", territory_id=territory.id)


def test_ending_a_seat_keeps_roles_given_by_an_administrator(db, bodies, territory):
    user = make_user("committee_member", territory=territory)
    seat = make_member(bodies["committee"], user=user, sector="health")
    services.end_membership(None, seat, TODAY - timedelta(days=1))
    db.session.refresh(user)
    assert user.has_role("committee_member", territory_id=territory.id)
    assert len(user.roles) == 1 and user.roles[0].membership_id is None


def test_a_seat_starting_later_gives_no_role_yet(db, bodies):
    user = make_user()
    make_member(bodies["antenna"], user=user, discipline="Sociologie", sector=None,
                start=TODAY + timedelta(days=10))
    db.session.refresh(user)
    assert user.role_codes() == set()


def test_relinking_a_seat_moves_its_roles_to_the_new_account(db, bodies, territory):
    first, second = make_user(), make_user()
    seat = make_member(bodies["committee"], user=first, role="chair", sector="entraide_nationale")
    services.update_member(None, seat, seat_data(full_name=seat.full_name, role="chair",
                                                 sector="entraide_nationale", user_id=second.id))
    db.session.refresh(first)
    db.session.refresh(second)
    assert first.role_codes() == set()
    assert second.has_role("delegate", territory_id=territory.id)
    assert second.has_role("committee_member", territory_id=territory.id)


def test_unlinking_or_demoting_withdraws_only_what_no_longer_applies(db, bodies, territory):
    user = make_user()
    seat = make_member(bodies["committee"], user=user, role="chair", sector="entraide_nationale")
    services.update_member(None, seat, seat_data(full_name=seat.full_name, role="member",
                                                 sector="entraide_nationale", user_id=user.id))
    db.session.refresh(user)
    assert user.role_codes() == {"committee_member"}
    services.update_member(None, seat, seat_data(full_name=seat.full_name, sector="entraide_nationale"))
    db.session.refresh(user)
    assert user.role_codes() == set()


# --- audit ---------------------------------------------------------------------------------------

def _events(db, object_type):
    return db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_type == object_type)
                              .order_by(AuditEvent.id)).scalars().all()


def test_seat_creation_and_change_are_audited_with_before_and_after(db, bodies, territory):
    actor = make_user("delegate", territory=territory)
    seat = services.add_member(actor, bodies["committee"], seat_data(sector="health", organisation="Santé"))
    services.update_member(actor, seat, seat_data(sector="health", organisation="Délégation de la santé"))
    created, updated = _events(db, "Membership")
    assert (created.verb, created.actor_id, created.object_id, created.territory_id) == (
        "create", actor.id, str(seat.id), territory.id)
    assert created.changes["full_name"] == {"before": None, "after": "Amina Idrissi"}
    assert created.changes["sector"] == {"before": None, "after": "health"}
    assert updated.verb == "update"
    assert updated.changes == {"organisation": {"before": "Santé", "after": "Délégation de la santé"}}


def test_meeting_creation_update_minutes_and_adoption_are_audited(db, bodies, territory):
    actor = make_user("delegate", territory=territory)
    meeting = services.create_meeting(actor, bodies["committee"], {"title": "Réunion", "starts_at": PAST})
    services.update_meeting(actor, meeting, {"title": "Réunion de rentrée", "starts_at": PAST})
    services.save_minutes(actor, meeting, "Texte", meeting.version)
    services.adopt_minutes(actor, meeting)
    events = _events(db, "Meeting")
    assert [e.verb for e in events] == ["create", "update", "update", "adopt"]
    assert all(e.actor_id == actor.id and e.territory_id == territory.id for e in events)
    assert events[0].changes["title"] == {"before": None, "after": "Réunion"}
    assert events[1].changes == {"title": {"before": "Réunion", "after": "Réunion de rentrée"}}
    assert events[2].changes["minutes"] == {"before": "", "after": "Texte"}
    assert events[3].changes["minutes_status"] == {"before": "draft", "after": "adopted"}


# --- meetings ------------------------------------------------------------------------------------

def test_create_meeting_needs_a_title_and_a_date(db, bodies):
    for data, field in (({"title": "  ", "starts_at": PAST}, "title"),
                        ({"title": "Réunion", "starts_at": None}, "starts_at"),
                        ({"title": "Réunion", "starts_at": date(2025, 1, 1)}, "starts_at")):
        with pytest.raises(DomainError) as error:
            services.create_meeting(None, bodies["committee"], data)
        assert error.value.field == field
    db.session.rollback()
    assert count(db, Meeting) == 0 and count(db, AuditEvent, AuditEvent.object_type == "Meeting") == 0


def test_a_new_meeting_is_a_draft_at_version_one(db, bodies, territory):
    actor = make_user("antenna_staff", territory=territory)
    meeting = services.create_meeting(actor, bodies["antenna"], {
        "title": " Préparation ", "starts_at": FUTURE, "place": " Azilal ", "agenda": "1. Guides"})
    stored = db.session.get(Meeting, meeting.id)
    assert (stored.title, stored.place, stored.agenda) == ("Préparation", "Azilal", "1. Guides")
    assert (stored.minutes_status, stored.version, stored.created_by_id) == ("draft", 1, actor.id)
    assert stored.starts_at == FUTURE


def test_update_meeting_is_refused_once_adopted(db, bodies):
    meeting = _adopted(bodies["committee"])
    with pytest.raises(DomainError) as error:
        services.update_meeting(None, meeting, {"title": "Autre", "starts_at": PAST})
    assert "locked" in str(error.value.message)
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).title == "Réunion"


def test_update_meeting_validates_title(db, bodies):
    meeting = services.create_meeting(None, bodies["committee"], {"title": "Réunion", "starts_at": PAST})
    with pytest.raises(DomainError):
        services.update_meeting(None, meeting, {"title": "", "starts_at": PAST})
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).title == "Réunion"


def test_save_minutes_bumps_the_version(db, bodies):
    meeting = services.create_meeting(None, bodies["committee"], {"title": "Réunion", "starts_at": PAST})
    services.save_minutes(None, meeting, "Premier jet", 1)
    services.save_minutes(None, meeting, "Second jet", 2)
    stored = db.session.get(Meeting, meeting.id)
    assert (stored.minutes, stored.version) == ("Second jet", 3)


def test_stale_minutes_raise_with_both_texts_and_write_nothing(db, bodies):
    meeting = services.create_meeting(None, bodies["committee"], {"title": "Réunion", "starts_at": PAST})
    services.save_minutes(None, meeting, "Texte de Fatima", 1)  # a colleague saved first
    events = count(db, AuditEvent)
    with pytest.raises(StaleEditError) as error:
        services.save_minutes(None, meeting, "Texte de Hamid", 1)
    assert (error.value.mine, error.value.current, error.value.current_version) == (
        "Texte de Hamid", "Texte de Fatima", 2)
    db.session.rollback()
    stored = db.session.get(Meeting, meeting.id)
    assert (stored.minutes, stored.version) == ("Texte de Fatima", 2)
    assert count(db, AuditEvent) == events


def test_a_copy_loaded_before_a_concurrent_save_is_detected(db, bodies):
    """Two requests read version 1; the database compare-and-set lets only the first win."""
    meeting = services.create_meeting(None, bodies["committee"], {"title": "Réunion", "starts_at": PAST})
    db.session.execute(sa.update(Meeting).where(Meeting.id == meeting.id)
                       .values(minutes="Texte concurrent", version=2)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    assert meeting.version == 2
    # This request's copy was read before the other request saved: it still says version 1.
    orm.attributes.set_committed_value(meeting, "version", 1)
    orm.attributes.set_committed_value(meeting, "minutes", "")
    with pytest.raises(StaleEditError) as error:
        services.save_minutes(None, meeting, "Mon texte", 1)
    assert (error.value.mine, error.value.current, error.value.current_version) == (
        "Mon texte", "Texte concurrent", 2)
    db.session.rollback()
    stored = db.session.get(Meeting, meeting.id)
    assert (stored.minutes, stored.version) == ("Texte concurrent", 2)


def test_empty_minutes_cannot_be_adopted(db, bodies):
    meeting = services.create_meeting(None, bodies["committee"], {"title": "Réunion", "starts_at": PAST})
    services.save_minutes(None, meeting, "  \n ", 1)
    with pytest.raises(DomainError) as error:
        services.adopt_minutes(None, meeting)
    assert "Write the minutes" in str(error.value.message)
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).minutes_status == "draft"


def test_minutes_of_a_future_meeting_cannot_be_adopted(db, bodies):
    meeting = services.create_meeting(None, bodies["committee"], {"title": "Réunion", "starts_at": FUTURE})
    services.save_minutes(None, meeting, "Écrit d'avance", 1)
    with pytest.raises(DomainError):
        services.adopt_minutes(None, meeting)
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).minutes_status == "draft"


def _adopted(body, actor=None):
    meeting = services.create_meeting(None, body, {"title": "Réunion", "starts_at": PAST})
    services.save_minutes(None, meeting, "## Compte rendu", meeting.version)
    return services.adopt_minutes(actor, meeting)


def test_adoption_records_who_and_when(db, bodies, territory):
    delegate = make_user("delegate", territory=territory)
    meeting = _adopted(bodies["committee"], delegate)
    stored = db.session.get(Meeting, meeting.id)
    assert stored.is_locked and stored.adopted_by_id == delegate.id
    assert abs(stored.adopted_at - datetime.now(timezone.utc)) < timedelta(minutes=1)


def test_adopted_minutes_are_locked(db, bodies):
    meeting = services.create_meeting(None, bodies["committee"], {"title": "Réunion", "starts_at": PAST})
    services.save_minutes(None, meeting, "## Compte rendu", meeting.version)
    decision = services.add_decision(None, meeting, "Décidé avant l'adoption")
    seat = make_member(bodies["committee"], sector="health")
    services.adopt_minutes(None, meeting)
    refused = (
        lambda: services.save_minutes(None, meeting, "Réécrit", meeting.version),
        lambda: services.add_decision(None, meeting, "Nouvelle décision"),
        lambda: services.set_attendance(None, meeting, {seat.id: "present"}),
        lambda: services.delete_decision(None, decision),
        lambda: services.adopt_minutes(None, meeting),
    )
    for action in refused:
        with pytest.raises(DomainError) as error:
            action()
        assert "locked" in str(error.value.message)
        db.session.rollback()
    stored = db.session.get(Meeting, meeting.id)
    assert stored.minutes == "## Compte rendu" and stored.version == 2
    assert [d.text for d in stored.decisions] == ["Décidé avant l'adoption"]
    assert count(db, Attendance) == 0


def test_decisions_are_numbered_and_can_be_removed_from_drafts(db, bodies):
    meeting = services.create_meeting(None, bodies["committee"], {"title": "Réunion", "starts_at": PAST})
    first = services.add_decision(None, meeting, " Organiser deux focus groups ")
    second = services.add_decision(None, meeting, "Inviter la santé")
    assert (first.position, second.position, first.text) == (1, 2, "Organiser deux focus groups")
    with pytest.raises(DomainError):
        services.add_decision(None, meeting, "   ")
    db.session.rollback()
    services.delete_decision(None, db.session.get(Decision, first.id))
    assert [d.text for d in db.session.get(Meeting, meeting.id).decisions] == ["Inviter la santé"]
    deleted = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "delete")).scalar_one()
    assert deleted.changes["text"] == {"before": "Organiser deux focus groups", "after": None}


# --- attendance ----------------------------------------------------------------------------------

def test_attendance_is_recorded_and_can_be_corrected(db, bodies):
    meeting = services.create_meeting(None, bodies["committee"], {"title": "Réunion", "starts_at": PAST})
    a = make_member(bodies["committee"], name="Aicha", sector="health")
    b = make_member(bodies["committee"], name="Brahim", sector="communes")
    services.set_attendance(None, meeting, {a.id: "present", b.id: "absent"})
    services.set_attendance(None, meeting, {b.id: "excused"})
    rows = {m.full_name: status for m, status in services.meeting_attendance(db.session.get(Meeting, meeting.id))}
    assert rows == {"Aicha": "present", "Brahim": "excused"}
    assert count(db, Attendance) == 2


def test_attendance_refuses_a_seat_of_another_body(db, bodies):
    meeting = services.create_meeting(None, bodies["committee"], {"title": "Réunion", "starts_at": PAST})
    ours = make_member(bodies["committee"], sector="health")
    theirs = make_member(bodies["commission"])
    with pytest.raises(DomainError) as error:
        services.set_attendance(None, meeting, {ours.id: "present", theirs.id: "present"})
    assert "does not sit on this body" in str(error.value.message)
    db.session.rollback()
    assert count(db, Attendance) == 0


def test_attendance_refuses_an_unknown_status(db, bodies):
    meeting = services.create_meeting(None, bodies["committee"], {"title": "Réunion", "starts_at": PAST})
    seat = make_member(bodies["committee"], sector="health")
    with pytest.raises(DomainError):
        services.set_attendance(None, meeting, {seat.id: "late"})
    db.session.rollback()
    assert count(db, Attendance) == 0


def test_attendance_lists_the_seats_held_on_the_meeting_day(db, bodies):
    meeting = services.create_meeting(None, bodies["committee"], {
        "title": "Réunion", "starts_at": datetime(2025, 6, 1, 10, tzinfo=timezone.utc)})
    make_member(bodies["committee"], name="Chair", role="chair", sector="entraide_nationale")
    make_member(bodies["committee"], name="Ancien", sector="health", end=date(2025, 5, 1))
    make_member(bodies["committee"], name="Nouveau", sector="health", start=date(2025, 7, 1))
    assert [m.full_name for m, _ in services.meeting_attendance(meeting)] == ["Chair"]


# --- the user's meetings -------------------------------------------------------------------------

@pytest.fixture
def calendar(db, territory):
    """Meetings of two territories and of the steering committee, past and future."""
    other = make_territory("Safi", province_code="07.431")
    ours, theirs = territory_bodies(territory), territory_bodies(other)
    steering = services.get_steering_body()

    def meeting(body, title, when, minutes=None, adopt=False):
        m = services.create_meeting(None, body, {"title": title, "starts_at": when})
        if minutes:
            services.save_minutes(None, m, minutes, m.version)
        if adopt:
            services.adopt_minutes(None, m)
        return m

    now = datetime.now(timezone.utc)
    meeting(ours["antenna"], "A: antenna later", now + timedelta(days=9))
    meeting(ours["committee"], "A: committee soon", now + timedelta(days=2))
    meeting(ours["committee"], "A: draft", now - timedelta(days=5), "brouillon")
    meeting(ours["commission"], "A: adopted", now - timedelta(days=20), "adopté", adopt=True)
    meeting(theirs["antenna"], "B: antenna soon", now + timedelta(days=1))
    meeting(theirs["committee"], "B: draft", now - timedelta(days=5), "brouillon")
    meeting(steering, "Steering soon", now + timedelta(days=3))
    meeting(steering, "Steering draft", now - timedelta(days=4), "brouillon")
    return {"ours": ours, "theirs": theirs, "steering": steering, "other": other}


def _titles(meetings):
    return [m.title for m in meetings]


def test_territory_staff_see_their_territorys_meetings_only(db, territory, calendar):
    staff = make_user("antenna_staff", territory=territory)
    assert _titles(services.upcoming_meetings_for(staff)) == ["A: committee soon", "A: antenna later"]
    assert _titles(services.minutes_awaiting(staff)) == ["A: draft"]


def test_a_committee_seat_shows_its_territorys_meetings(db, calendar):
    member = make_user()
    make_member(calendar["theirs"]["committee"], user=member, sector="health")
    db.session.refresh(member)
    assert _titles(services.upcoming_meetings_for(member)) == ["B: antenna soon"]
    assert _titles(services.minutes_awaiting(member)) == ["B: draft"]


def test_steering_members_see_steering_meetings(db, calendar):
    steering = make_user("steering")
    assert _titles(services.upcoming_meetings_for(steering)) == ["Steering soon"]
    assert _titles(services.minutes_awaiting(steering)) == ["Steering draft"]


def test_a_user_without_a_body_sees_no_meeting(db, calendar):
    viewer = make_user("viewer")
    assert services.upcoming_meetings_for(viewer) == []
    assert services.minutes_awaiting(viewer) == []


def test_a_former_member_no_longer_sees_the_bodys_meetings(db, calendar):
    member = make_user()
    seat = make_member(calendar["theirs"]["committee"], user=member, sector="health", start=date(2024, 1, 1))
    services.create_meeting(None, calendar["theirs"]["committee"], {"title": "B: committee later",
                                                                     "starts_at": FUTURE})
    assert _titles(services.upcoming_meetings_for(member)) == ["B: antenna soon", "B: committee later"]
    services.end_membership(None, seat, TODAY - timedelta(days=1))
    db.session.refresh(member)
    assert services.upcoming_meetings_for(member) == []
    assert services.minutes_awaiting(member) == []
