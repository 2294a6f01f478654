"""Body, seat, meeting and minutes pages: what users see, what they may post, what gets stored."""
import re
from datetime import date, datetime, timedelta, timezone
from html import unescape

import pytest
import sqlalchemy as sa

from najma.audit import AuditEvent
from najma.governance import services
from najma.governance.models import Attendance, Body, Decision, Meeting, Membership
from najma.territories.services import territory_bodies
from tests.conftest import make_member, make_territory, make_user

PAST = datetime.now(timezone.utc) - timedelta(days=3)
FUTURE = datetime.now(timezone.utc) + timedelta(days=3)


def count(db, model, *where) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def meeting_with_minutes(body, minutes="## Compte rendu\n\nBrouillon.", when=PAST, decision=None):
    meeting = services.create_meeting(None, body, {"title": "Réunion du comité", "starts_at": when})
    if minutes:
        services.save_minutes(None, meeting, minutes, meeting.version)
    if decision:
        services.add_decision(None, meeting, decision)
    return meeting


@pytest.fixture
def bodies(territory):
    return territory_bodies(territory)


def member_form(**overrides):
    data = {"full_name": "Amina Idrissi", "account_email": "", "role": "member", "sector": "health",
            "organisation": "Délégation de la santé", "discipline": "", "voting": "y",
            "start_date": "2025-01-01", "end_date": ""}
    data.update(overrides)
    return data


# --- body pages ----------------------------------------------------------------------------------

def test_committee_page_shows_composition_and_what_is_missing(client, db, login, bodies):
    make_member(bodies["committee"], name="Mohamed Ait Lahcen", role="chair", sector="entraide_nationale")
    make_member(bodies["committee"], name="Fatima Amrani", sector="communes")
    make_member(bodies["committee"], name="Driss Ancien", sector="health", start=date(2024, 1, 1),
                end=date.today() - timedelta(days=1))
    login("viewer")
    page = text(client.get(f"/bodies/{bodies['committee'].id}"))
    table = page[page.index('data-testid="members"'):page.index("</table>")]
    assert "Mohamed Ait Lahcen" in table and "Fatima Amrani" in table
    assert "Communes and local authorities" in table and "Chair" in table
    assert "Driss Ancien" not in table and "Driss Ancien" in page  # listed among former members
    assert "Required sector not represented: Health." in page
    assert "Required sector not represented: Youth and sport." in page
    assert "Required sector not represented: Communes" not in page
    assert "Where possible, the programme also invites: Businesses." in page
    assert "has no chair" not in page


def test_antenna_page_shows_the_missing_second_staff_member(client, db, login, bodies):
    make_member(bodies["antenna"], name="Rachida El Idrissi", discipline="Sociologie", sector=None)
    login("viewer")
    page = text(client.get(f"/bodies/{bodies['antenna'].id}"))
    assert "Rachida El Idrissi" in page and "Sociologie" in page
    assert "The antenna has 1 staff; the programme expects two" in page


def test_a_complete_antenna_says_so(client, db, login, bodies):
    make_member(bodies["antenna"], discipline="Sociologie", sector=None)
    make_member(bodies["antenna"], discipline="Travail social", sector=None)
    login("viewer")
    page = text(client.get(f"/bodies/{bodies['antenna'].id}"))
    assert 'data-finding="none"' in page and 'data-finding="danger"' not in page


def test_body_page_lists_its_meetings(client, db, login, bodies):
    services.create_meeting(None, bodies["commission"], {"title": "Restitution des entretiens", "starts_at": PAST})
    services.create_meeting(None, bodies["committee"], {"title": "Point d'étape", "starts_at": PAST})
    login("viewer")
    page = text(client.get(f"/bodies/{bodies['commission'].id}"))
    assert "Restitution des entretiens" in page and "Point d'étape" not in page


def test_steering_page_works_and_flags_the_missing_chair(client, db, login):
    login("viewer")
    response = client.get("/steering")
    assert response.status_code == 200
    page = text(response)
    assert "National steering committee" in page and "The steering committee has no chair." in page
    assert count(db, Body, Body.kind == "steering") == 1
    client.get("/steering")
    assert count(db, Body, Body.kind == "steering") == 1


def test_steering_members_seat_people_and_schedule_meetings_on_the_steering_committee(client, db, login):
    login("steering")
    steering = services.get_steering_body()
    response = client.post(f"/bodies/{steering.id}/members/new",
                           data=member_form(full_name="Nadia Bennani", role="chair", sector="entraide_nationale"))
    assert response.status_code == 302
    response = client.post(f"/bodies/{steering.id}/meetings/new",
                           data={"title": "Bilan de l'expérimentation", "starts_at": "2031-03-10T09:30"})
    assert response.status_code == 302
    page = text(client.get("/steering"))
    assert "Nadia Bennani" in page and "Bilan de l'expérimentation" in page
    assert "has no chair" not in page


def test_a_delegate_cannot_manage_the_steering_committee(client, db, login):
    login("delegate")
    steering = services.get_steering_body()
    assert client.post(f"/bodies/{steering.id}/members/new", data=member_form()).status_code == 403
    assert count(db, Membership) == 0


# --- 404s ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, url", [
    ("get", "/bodies/999999"),
    ("get", "/bodies/999999/members/new"),
    ("post", "/bodies/999999/members/new"),
    ("get", "/members/999999/edit"),
    ("post", "/members/999999/edit"),
    ("post", "/members/999999/end"),
    ("get", "/bodies/999999/meetings/new"),
    ("get", "/meetings/999999"),
    ("get", "/meetings/999999/edit"),
    ("get", "/meetings/999999/minutes"),
    ("post", "/meetings/999999/minutes"),
    ("post", "/meetings/999999/attendance"),
    ("post", "/meetings/999999/decisions"),
    ("post", "/decisions/999999/delete"),
    ("post", "/meetings/999999/adopt"),
])
def test_unknown_ids_answer_404_even_to_an_administrator(client, login, method, url):
    login("admin")
    assert getattr(client, method)(url).status_code == 404


# --- seats -------------------------------------------------------------------------------------------

def test_delegate_adds_a_committee_member(client, db, login, bodies, territory):
    delegate = login("delegate")
    response = client.post(f"/bodies/{bodies['committee'].id}/members/new", data=member_form())
    assert response.status_code == 302
    seat = db.session.execute(sa.select(Membership)).scalar_one()
    assert (seat.full_name, seat.sector, seat.organisation, seat.voting) == (
        "Amina Idrissi", "health", "Délégation de la santé", True)
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_type == "Membership")).scalar_one()
    assert event.actor_id == delegate.id and event.verb == "create"
    page = text(client.get(response.headers["Location"]))
    assert "Amina Idrissi" in page and "Required sector not represented: Health." not in page


def test_a_linked_account_gets_the_role_of_its_seat(client, db, login, bodies, territory):
    login("delegate")
    person = make_user(name="Khadija Ait Ouarab")
    response = client.post(f"/bodies/{bodies['antenna'].id}/members/new", data=member_form(
        full_name="", account_email=person.email.upper(), discipline="Sociologie", sector=""))
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.has_role("antenna_staff", territory_id=territory.id)
    assert "Khadija Ait Ouarab" in text(client.get(f"/bodies/{bodies['antenna'].id}"))


def test_an_unknown_account_email_is_refused_and_nothing_is_saved(client, db, login, bodies):
    login("delegate")
    before = len(bodies["antenna"].memberships)
    response = client.post(f"/bodies/{bodies['antenna'].id}/members/new", data=member_form(
        full_name="Nadia", account_email="nobody@example.org", discipline="Sociologie", sector=""))
    assert response.status_code == 400
    assert "No active NAJMA account uses this email address." in text(response)
    db.session.refresh(bodies["antenna"])
    assert len(bodies["antenna"].memberships) == before


@pytest.mark.parametrize("kind, overrides, message", [
    ("committee", {"sector": ""}, "A committee member represents a sector: choose one."),
    ("antenna", {"discipline": "", "sector": ""}, "Give the staff member's discipline."),
    ("commission", {"full_name": ""}, "Give the member's name or link a user account."),
    ("commission", {"start_date": "2025-03-01", "end_date": "2025-02-01"}, "The end date comes before the start date."),
    ("commission", {"start_date": ""}, "This field is required."),
])
def test_bad_seat_re_renders_with_the_reason_and_writes_nothing(client, db, login, bodies, kind, overrides,
                                                                 message):
    login("delegate")
    before = count(db, Membership), count(db, AuditEvent)
    response = client.post(f"/bodies/{bodies[kind].id}/members/new", data=member_form(**overrides))
    assert response.status_code == 400
    page = text(response)
    assert message in page and "Nothing was saved" in page
    assert 'value="Amina Idrissi"' in page or overrides.get("full_name") == ""  # what was typed is kept
    assert (count(db, Membership), count(db, AuditEvent)) == before


def test_a_second_chair_is_refused_on_the_form(client, db, login, bodies):
    make_member(bodies["committee"], name="Mohamed Ait Lahcen", role="chair", sector="entraide_nationale")
    login("delegate")
    response = client.post(f"/bodies/{bodies['committee'].id}/members/new",
                           data=member_form(role="chair", sector="entraide_nationale"))
    assert response.status_code == 400
    assert "Mohamed Ait Lahcen already chairs this body" in text(response)
    assert count(db, Membership) == 1


def test_editing_and_ending_a_seat(client, db, login, bodies):
    seat = make_member(bodies["committee"], name="Brahim Jabri", sector="health", start=date(2024, 1, 1))
    login("delegate")
    page = text(client.get(f"/members/{seat.id}/edit"))
    assert 'value="Brahim Jabri"' in page and "End this seat" in page
    response = client.post(f"/members/{seat.id}/edit", data=member_form(
        full_name="Brahim Jabri", sector="health", organisation="Hôpital provincial", start_date="2024-01-01"))
    assert response.status_code == 302
    assert db.session.get(Membership, seat.id).organisation == "Hôpital provincial"
    yesterday = date.today() - timedelta(days=1)
    response = client.post(f"/members/{seat.id}/end", data={"end_date": yesterday.isoformat()})
    assert response.status_code == 302
    assert db.session.get(Membership, seat.id).end_date == yesterday
    page = text(client.get(f"/bodies/{bodies['committee'].id}"))
    table = page[page.index('data-testid="members"'):page.index("</table>")]
    former = page[page.index("</table>"):page.index('aria-labelledby="meetings"')]
    assert "Brahim Jabri" not in table and "<details" in former and "Brahim Jabri" in former
    assert "Required sector not represented: Health." in page


def test_ending_a_seat_before_it_started_is_refused(client, db, login, bodies):
    seat = make_member(bodies["committee"], sector="health", start=date(2025, 3, 1))
    login("delegate")
    response = client.post(f"/members/{seat.id}/end", data={"end_date": "2025-01-01"}, follow_redirects=True)
    assert "The end date comes before the start date." in text(response)
    assert db.session.get(Membership, seat.id).end_date is None


# --- who may act where ---------------------------------------------------------------------------------

def _write_requests(body, seat, meeting, decision):
    """Every write a body, seat and meeting offer, as (method, url, form data)."""
    return [
        ("get", f"/bodies/{body.id}/members/new", None),
        ("post", f"/bodies/{body.id}/members/new", member_form(sector="associations")),
        ("get", f"/members/{seat.id}/edit", None),
        ("post", f"/members/{seat.id}/edit", member_form(full_name="Changé", sector="associations")),
        ("post", f"/members/{seat.id}/end", {"end_date": date.today().isoformat()}),
        ("get", f"/bodies/{body.id}/meetings/new", None),
        ("post", f"/bodies/{body.id}/meetings/new", {"title": "Intrus", "starts_at": "2030-05-01T10:00"}),
        ("get", f"/meetings/{meeting.id}/edit", None),
        ("post", f"/meetings/{meeting.id}/edit", {"title": "Changé", "starts_at": "2025-05-01T10:00"}),
        ("get", f"/meetings/{meeting.id}/minutes", None),
        ("post", f"/meetings/{meeting.id}/minutes", {"minutes": "Réécrit", "version": str(meeting.version)}),
        ("post", f"/meetings/{meeting.id}/attendance", {f"seat-{seat.id}": "present"}),
        ("post", f"/meetings/{meeting.id}/decisions", {"text": "Décision pirate"}),
        ("post", f"/decisions/{decision.id}/delete", {}),
        ("post", f"/meetings/{meeting.id}/adopt", {}),
    ]


def _state(db):
    return (count(db, Membership), count(db, Meeting), count(db, Decision), count(db, Attendance),
            db.session.execute(sa.select(Meeting.title, Meeting.minutes, Meeting.minutes_status,
                                         Meeting.version).order_by(Meeting.id)).all(),
            db.session.execute(sa.select(Membership.full_name, Membership.end_date)
                               .order_by(Membership.id)).all())


@pytest.fixture
def commission_b(db):
    """Territory B's commission with a seat and a past meeting with draft minutes and a decision."""
    body = territory_bodies(make_territory("Safi", province_code="07.431"))["commission"]
    seat = make_member(body, name="Siham Kettani")
    meeting = meeting_with_minutes(body, decision="Organiser deux focus groups")
    return body, seat, meeting, meeting.decisions[0]


def test_antenna_staff_of_another_territory_get_403_and_change_nothing(client, db, login, commission_b):
    login("antenna_staff")  # on the Azilal fixture territory, not on Safi
    before = _state(db)
    for method, url, data in _write_requests(*commission_b):
        response = client.get(url) if method == "get" else client.post(url, data=data)
        assert response.status_code == 403, (method, url)
    body, _seat, meeting, _decision = commission_b
    for kind in ("antenna", "committee"):
        other_body = territory_bodies(body.territory)[kind]
        response = client.post(f"/bodies/{other_body.id}/meetings/new",
                               data={"title": "Intrus", "starts_at": "2030-05-01T10:00"})
        assert response.status_code == 403, kind
    assert _state(db) == before
    assert client.get(f"/bodies/{body.id}").status_code == 200  # reading stays open
    assert client.get(f"/meetings/{meeting.id}").status_code == 200


def test_antenna_staff_act_on_their_own_territorys_commission(client, db, login, bodies):
    login("antenna_staff")
    body = bodies["commission"]
    seat = make_member(body, name="Siham Kettani")
    meeting = meeting_with_minutes(body, decision="Organiser deux focus groups")
    decision = meeting.decisions[0]
    for method, url, data in _write_requests(body, seat, meeting, decision)[:-1]:  # adopt last
        response = client.get(url) if method == "get" else client.post(url, data=data)
        assert response.status_code in (200, 302), (method, url, response.status_code)
    assert client.post(f"/meetings/{meeting.id}/adopt").status_code == 302
    stored = db.session.get(Meeting, meeting.id)
    assert stored.is_locked and (stored.title, stored.minutes) == ("Changé", "Réécrit")
    assert [d.text for d in stored.decisions] == ["Décision pirate"]
    assert [a.status for a in stored.attendance] == ["present"]
    assert db.session.get(Membership, seat.id).full_name == "Changé"
    assert count(db, Membership) == 2 and count(db, Meeting) == 2


def test_viewer_gets_403_on_every_post_and_sees_no_edit_button(client, db, login, bodies):
    body = bodies["commission"]
    seat = make_member(body, name="Siham Kettani")
    meeting = meeting_with_minutes(body, decision="Organiser deux focus groups")
    decision = meeting.decisions[0]
    login("viewer")
    before = _state(db)
    for method, url, data in _write_requests(body, seat, meeting, decision):
        response = client.get(url) if method == "get" else client.post(url, data=data)
        assert response.status_code == 403, (method, url)
    assert _state(db) == before
    body_page = text(client.get(f"/bodies/{body.id}"))
    meeting_page = text(client.get(f"/meetings/{meeting.id}"))
    for link in (f"/bodies/{body.id}/members/new", f"/bodies/{body.id}/meetings/new", f"/members/{seat.id}/edit"):
        assert link not in body_page
    for link in (f"/meetings/{meeting.id}/edit", f"/meetings/{meeting.id}/minutes", f"/meetings/{meeting.id}/adopt",
                 f"/meetings/{meeting.id}/decisions", f"/decisions/{decision.id}/delete", f'name="seat-{seat.id}"'):
        assert link not in meeting_page
    assert "Organiser deux focus groups" in meeting_page


def test_writers_see_the_edit_buttons(client, db, login, bodies):
    body = bodies["commission"]
    seat = make_member(body)
    meeting = meeting_with_minutes(body)
    login("delegate")
    body_page = text(client.get(f"/bodies/{body.id}"))
    meeting_page = text(client.get(f"/meetings/{meeting.id}"))
    assert f"/bodies/{body.id}/members/new" in body_page and f"/members/{seat.id}/edit" in body_page
    assert f"/meetings/{meeting.id}/minutes" in meeting_page and f"/meetings/{meeting.id}/adopt" in meeting_page
    assert f'name="seat-{seat.id}"' in meeting_page


# --- meetings --------------------------------------------------------------------------------------------

def test_scheduling_a_meeting_keeps_the_local_time(client, db, login, bodies):
    login("antenna_staff")
    response = client.post(f"/bodies/{bodies['antenna'].id}/meetings/new", data={
        "title": "Préparation des focus groups", "starts_at": "2030-10-15T09:30", "place": "Antenne",
        "agenda": "1. Guides d'animation"})
    assert response.status_code == 302
    meeting = db.session.execute(sa.select(Meeting)).scalar_one()
    assert meeting.starts_at == datetime(2030, 10, 15, 8, 30, tzinfo=timezone.utc)  # Morocco is UTC+1
    page = text(client.get(response.headers["Location"]))
    assert "Préparation des focus groups" in page and "9:30" in page and "Guides d'animation" in page


def test_a_meeting_without_title_is_refused_and_not_created(client, db, login, bodies):
    login("antenna_staff")
    response = client.post(f"/bodies/{bodies['antenna'].id}/meetings/new",
                           data={"title": "", "starts_at": "2030-10-15T09:30"})
    assert response.status_code == 400 and "Nothing was saved" in text(response)
    response = client.post(f"/bodies/{bodies['antenna'].id}/meetings/new",
                           data={"title": "Réunion", "starts_at": "demain"})
    assert response.status_code == 400
    assert count(db, Meeting) == 0


def test_minutes_are_written_in_markdown_and_shown_as_html(client, db, login, bodies):
    meeting = services.create_meeting(None, bodies["committee"], {"title": "Point d'étape", "starts_at": PAST})
    login("antenna_staff")
    form = text(client.get(f"/meetings/{meeting.id}/minutes"))
    assert re.search(r'name="version"[^>]*value="1"|value="1"[^>]*name="version"', form)
    response = client.post(f"/meetings/{meeting.id}/minutes", data={
        "minutes": "## Restitution\n\n- Les femmes demandent des **formations courtes**.", "version": "1"})
    assert response.status_code == 302
    page = text(client.get(f"/meetings/{meeting.id}"))
    assert "<h2>Restitution</h2>" in page and "<strong>formations courtes</strong>" in page
    stored = db.session.get(Meeting, meeting.id)
    assert stored.version == 2 and stored.minutes.startswith("## Restitution")


def test_previewing_minutes_saves_nothing(client, db, login, bodies):
    meeting = services.create_meeting(None, bodies["committee"], {"title": "Point d'étape", "starts_at": PAST})
    login("antenna_staff")
    response = client.post(f"/meetings/{meeting.id}/minutes",
                           data={"minutes": "**Aperçu**", "version": "1", "preview": "1"})
    assert response.status_code == 200 and "<strong>Aperçu</strong>" in text(response)
    stored = db.session.get(Meeting, meeting.id)
    assert (stored.minutes, stored.version) == ("", 1)


def _hidden_version(page: str) -> str:
    form = page[page.index("<form method=\"post\" action=\"/meetings/"):]
    tag = re.search(r'<input[^>]*name="version"[^>]*>', form).group(0)
    return re.search(r'value="(\d+)"', tag).group(1)


def test_a_stale_minutes_save_answers_409_with_both_texts_and_keeps_the_stored_ones(client, db, login, bodies):
    meeting = services.create_meeting(None, bodies["committee"], {"title": "Point d'étape", "starts_at": PAST})
    services.save_minutes(None, meeting, "Texte de Fatima, enregistré d'abord.", 1)
    login("antenna_staff")
    response = client.post(f"/meetings/{meeting.id}/minutes",
                           data={"minutes": "Texte de Hamid, parti de la version 1.", "version": "1"})
    assert response.status_code == 409
    page = text(response)
    assert "Texte de Fatima, enregistré d'abord." in page and "Texte de Hamid, parti de la version 1." in page
    stored = db.session.get(Meeting, meeting.id)
    assert (stored.minutes, stored.version) == ("Texte de Fatima, enregistré d'abord.", 2)
    # The merge form carries the current version, so saving the merged text succeeds.
    assert _hidden_version(page) == "2"
    response = client.post(f"/meetings/{meeting.id}/minutes",
                           data={"minutes": "Texte fusionné.", "version": _hidden_version(page)})
    assert response.status_code == 302
    assert db.session.get(Meeting, meeting.id).minutes == "Texte fusionné."


def test_adopting_locks_the_minutes(client, db, login, bodies):
    meeting = meeting_with_minutes(bodies["committee"], minutes="## Compte rendu définitif")
    delegate = login("delegate")
    response = client.post(f"/meetings/{meeting.id}/adopt")
    assert response.status_code == 302
    stored = db.session.get(Meeting, meeting.id)
    assert stored.minutes_status == "adopted" and stored.adopted_by_id == delegate.id
    page = text(client.get(f"/meetings/{meeting.id}"))
    assert 'data-testid="adopted-note"' in page and "Minutes adopted on" in page and "they are locked" in page
    assert f"/meetings/{meeting.id}/minutes" not in page and f"/meetings/{meeting.id}/adopt" not in page
    assert client.get(f"/meetings/{meeting.id}/minutes").status_code == 403
    response = client.post(f"/meetings/{meeting.id}/minutes", data={"minutes": "Réécrit", "version": "2"})
    assert response.status_code == 403 and "adopted and locked" in text(response)
    assert client.post(f"/meetings/{meeting.id}/decisions", data={"text": "Ajout tardif"}).status_code == 403
    stored = db.session.get(Meeting, meeting.id)
    assert (stored.minutes, stored.version, stored.decisions) == ("## Compte rendu définitif", 2, [])


def test_admins_cannot_change_adopted_minutes_either(client, db, login, bodies):
    meeting = meeting_with_minutes(bodies["committee"])
    services.adopt_minutes(None, meeting)
    login("admin")
    assert client.post(f"/meetings/{meeting.id}/minutes", data={"minutes": "X", "version": "2"}).status_code == 403
    assert db.session.get(Meeting, meeting.id).minutes == "## Compte rendu\n\nBrouillon."


@pytest.mark.parametrize("minutes, when, message", [
    ("", PAST, "Write the minutes before adopting them."),
    ("Écrit d'avance", FUTURE, "Minutes cannot be adopted before the meeting has taken place."),
])
def test_adoption_refused_with_a_reason(client, db, login, bodies, minutes, when, message):
    meeting = meeting_with_minutes(bodies["committee"], minutes=minutes, when=when)
    login("delegate")
    response = client.post(f"/meetings/{meeting.id}/adopt", follow_redirects=True)
    assert message in text(response)
    assert db.session.get(Meeting, meeting.id).minutes_status == "draft"


def test_draft_minutes_are_hidden_from_a_viewer_and_shown_to_the_committee(client, db, login, bodies):
    meeting = meeting_with_minutes(bodies["committee"], minutes="Brouillon confidentiel du comité.")
    login("viewer")
    page = text(client.get(f"/meetings/{meeting.id}"))
    assert "Brouillon confidentiel" not in page and "visible to the body's members" in page
    assert client.get(f"/meetings/{meeting.id}/minutes").status_code == 403
    login("committee_member", on=make_territory("Safi", province_code="07.431"))  # another territory's member
    assert "Brouillon confidentiel" not in text(client.get(f"/meetings/{meeting.id}"))
    login("committee_member")
    assert "Brouillon confidentiel du comité." in text(client.get(f"/meetings/{meeting.id}"))
    services.adopt_minutes(None, db.session.get(Meeting, meeting.id))
    login("viewer")
    assert "Brouillon confidentiel du comité." in text(client.get(f"/meetings/{meeting.id}"))


def test_attendance_is_saved_and_shown(client, db, login, bodies):
    meeting = meeting_with_minutes(bodies["committee"])
    chair = make_member(bodies["committee"], name="Aicha Chair", role="chair", sector="entraide_nationale")
    member = make_member(bodies["committee"], name="Brahim Membre", sector="health")
    login("delegate")
    response = client.post(f"/meetings/{meeting.id}/attendance",
                           data={f"seat-{chair.id}": "present", f"seat-{member.id}": "excused"})
    assert response.status_code == 302
    statuses = dict(db.session.execute(sa.select(Attendance.membership_id, Attendance.status)).all())
    assert statuses == {chair.id: "present", member.id: "excused"}
    page = text(client.get(f"/meetings/{meeting.id}"))
    assert re.search(rf'name="seat-{member.id}".*?<option value="excused" selected', page, re.S)
    login("viewer")
    page = text(client.get(f"/meetings/{meeting.id}"))
    assert "Excused" in page and "Present" in page


@pytest.mark.parametrize("foreign, status", [(True, "present"), (False, "late")])
def test_bad_attendance_is_refused_and_writes_nothing(client, db, login, bodies, foreign, status):
    meeting = meeting_with_minutes(bodies["committee"])
    ours = make_member(bodies["committee"], sector="health")
    other = make_member(bodies["commission"]) if foreign else ours
    login("delegate")
    response = client.post(f"/meetings/{meeting.id}/attendance",
                           data={f"seat-{ours.id}": "present", f"seat-{other.id}": status},
                           follow_redirects=True)
    assert response.status_code == 200
    assert ("does not sit on this body" if foreign else "Unknown attendance status") in text(response)
    assert count(db, Attendance) == 0


def test_decisions_are_recorded_and_removed(client, db, login, bodies):
    meeting = meeting_with_minutes(bodies["committee"])
    login("delegate")
    assert client.post(f"/meetings/{meeting.id}/decisions", data={"text": "Inviter la délégation de la santé"}
                       ).status_code == 302
    assert client.post(f"/meetings/{meeting.id}/decisions", data={"text": "Valider le calendrier"}
                       ).status_code == 302
    page = text(client.get(f"/meetings/{meeting.id}"))
    assert page.index("Inviter la délégation de la santé") < page.index("Valider le calendrier")
    response = client.post(f"/meetings/{meeting.id}/decisions", data={"text": "  "}, follow_redirects=True)
    assert "Write the decision." in text(response)
    assert count(db, Decision) == 2
    first = db.session.execute(sa.select(Decision).order_by(Decision.position)).scalars().first()
    assert client.post(f"/decisions/{first.id}/delete").status_code == 302
    assert [d.text for d in db.session.execute(sa.select(Decision)).scalars()] == ["Valider le calendrier"]
    assert "Inviter la délégation" not in text(client.get(f"/meetings/{meeting.id}"))


def test_editing_a_meeting(client, db, login, bodies):
    meeting = meeting_with_minutes(bodies["committee"])
    login("delegate")
    form = text(client.get(f"/meetings/{meeting.id}/edit"))
    assert 'value="Réunion du comité"' in form
    response = client.post(f"/meetings/{meeting.id}/edit", data={
        "title": "Comité : point d'étape", "starts_at": "2030-10-15T14:00", "place": "Délégation", "agenda": ""})
    assert response.status_code == 302
    stored = db.session.get(Meeting, meeting.id)
    assert (stored.title, stored.place) == ("Comité : point d'étape", "Délégation")
    assert client.post(f"/meetings/{meeting.id}/edit", data={"title": "", "starts_at": "2030-10-15T14:00"}
                       ).status_code == 400
    assert db.session.get(Meeting, meeting.id).title == "Comité : point d'étape"
