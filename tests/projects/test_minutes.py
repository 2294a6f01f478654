"""The procès-verbal: built from the record (seats, ballots, rules, meeting and attendance), shown
as a page and printed as a PDF that carries the title, the actions and the vote table."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from flask import render_template
from tests.projects._workflow_fixtures import add_voting_member, scene, take, to_voting
from tests.test_pdf import page_text

from najma import pdf
from najma.extensions import db
from najma.governance import services as governance
from najma.governance.models import Membership
from najma.projects import minutes, voting
from najma.projects.models import VoteSeat


def url(territory, page=""):
    return f"/territories/{territory.slug}/project{page}"


def decided(territory, *, meeting=False, paper=True):
    """A project approved by its committee: 3 members with accounts, one on paper, a secretary."""
    s = scene(territory, members=3)
    governance.add_member(None, s.body, {"full_name": "Salma Secrétaire", "role": "secretary", "sector": "other",
                                         "discipline": "", "organisation": "Province", "voting": False,
                                         "start_date": datetime(2025, 1, 1).date(), "end_date": None,
                                         "user_id": None})
    if paper:
        add_voting_member(s.body, "Hassan Papier")
    found = None
    if meeting:
        found = governance.create_meeting(None, s.body, {
            "title": "Séance d'approbation", "place": "Salle de la province",
            "starts_at": datetime(2026, 5, 4, 9, tzinfo=timezone.utc)})
        seats = db.session.execute(sa.select(Membership.id, Membership.full_name).where(
            Membership.body_id == s.body.id)).all()
        governance.set_attendance(None, found, {seat.id: "absent" if seat.full_name == "Membre 3" else "present"
                                                for seat in seats})
    vote = to_voting(s, meeting_id=found.id if found else None)
    voting.cast_ballot(s.chair, vote, "approve", "Projet solide")
    voting.cast_ballot(s.members[0], vote, "approve")
    voting.cast_ballot(s.members[1], vote, "reject", "Budget trop élevé")
    if paper:
        seat = db.session.execute(sa.select(VoteSeat.id).where(VoteSeat.full_name == "Hassan Papier")).scalar_one()
        voting.cast_ballot(s.chair, vote, "abstain", seat_id=seat)
    take(s.chair, s.project, "close_vote", "Séance")
    return s, vote


def test_the_record_gives_every_line_of_the_minutes(db, territory):
    s, vote = decided(territory)
    m = minutes.build(s.project, vote)
    assert [row.seat.full_name for row in m.members] == ["Président du comité", "Hassan Papier", "Membre 1",
                                                         "Membre 2", "Membre 3"]
    by_name = {row.seat.full_name: row for row in m.members}
    assert by_name["Hassan Papier"].on_paper and by_name["Hassan Papier"].recorded_by == "Karim Président"
    assert not by_name["Membre 1"].on_paper and by_name["Membre 3"].ballot is None
    assert (m.tally.approve, m.tally.reject, m.tally.abstain, m.tally.eligible) == (2, 1, 1, 5)
    assert m.opened_by == m.closed_by == "Karim Président"
    assert m.chair_name == "Président du comité" and m.secretary_name == "Salma Secrétaire"
    assert m.decision == ("The local institutional committee of Azilal approves version 1 of the territory project "
                          "“Projet de territoire d'Azilal”.")
    assert m.filename == "pv-azilal-v1.pdf" and m.attendance == []
    assert [a.title for a in m.content["actions"]] == ["Action 1"]


def test_the_page_lists_the_members_votes_and_the_decision(client, login, db, territory):
    s, vote = decided(territory)
    login(None, user=s.members[2])
    page = client.get(url(territory, f"/votes/{vote.id}/minutes"))
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="minutes-participation"' in text  # no meeting: the seats, voted or not
    assert "Budget trop élevé" in text and "On paper, entered by Karim Président" in text
    assert "approves version 1" in text and "Salma Secrétaire" in text
    assert "more than 2.5 needed: reached" in text and "More votes for than against." in text
    assert 'data-testid="project-content"' in text and "Action 1" in text


def test_the_meeting_and_its_attendance_are_reported_when_recorded(client, login, db, territory):
    s, vote = decided(territory, meeting=True, paper=False)
    m = minutes.build(s.project, vote)
    assert m.meeting.title == "Séance d'approbation"
    statuses = {p.name: p.status for p in m.attendance}
    assert statuses["Membre 3"] == "absent" and statuses["Salma Secrétaire"] == "present"
    login(None, user=s.chair)
    text = client.get(url(territory, f"/votes/{vote.id}/minutes")).get_data(as_text=True)
    assert 'data-testid="minutes-attendance"' in text and "Salle de la province" in text


def test_the_pdf_holds_the_title_the_actions_and_the_vote_table(app, client, login, db, territory):
    s, vote = decided(territory)
    login(None, user=s.staff)
    answer = client.get(url(territory, f"/votes/{vote.id}/minutes.pdf"))
    assert answer.status_code == 200 and answer.mimetype == "application/pdf" and answer.data.startswith(b"%PDF")
    assert answer.headers["Content-Disposition"] == 'attachment; filename="pv-azilal-v1.pdf"'
    with app.test_request_context("/"):
        html = render_template("projects/minutes_print.html", m=minutes.build(s.project, vote))
    text = " ".join(page_text(pdf.render(html, "http://localhost/")).split())
    assert "Projet de territoire d'Azilal" in text
    assert "Action 1" in text and "Un atelier pour les femmes du douar." in text
    for expected in ("Président du comité", "Membre 2", "Approve", "Reject", "Abstain", "Did not vote",
                     "Budget trop élevé", "approves version 1", "The secretary"):
        assert expected in text, expected


def test_only_a_closed_vote_has_minutes(client, login, db, territory):
    s = scene(territory, members=1)
    vote = to_voting(s)
    login(None, user=s.chair)
    assert client.get(url(territory, f"/votes/{vote.id}/minutes")).status_code == 404
    take(s.chair, s.project, "cancel_vote", "Reporté")
    assert client.get(url(territory, f"/votes/{vote.id}/minutes.pdf")).status_code == 404


def test_the_approved_version_keeps_the_actor_names_voted_on(client, login, db, territory):
    """Renaming or deleting an actor of the map after the vote does not rewrite what was voted:
    the version page, the procès-verbal and the conventions' defaults keep the names voted on."""
    from tests.projects._workflow_fixtures import approved
    from tests.projects.conftest import action_data, add_actor, institution

    from najma.actors import services as actors
    from najma.projects import conventions, services
    from najma.research.paths import retained_paths

    s = scene(territory, members=2, actions=0)
    centre = institution(territory, "Centre EN Azilal")
    lead, partner = add_actor(territory, "Coopérative Amal"), add_actor(territory, "Association Tifawt")
    services.save_action(s.staff, s.project, None, action_data(
        retained_paths(territory)[0], title="Atelier", institution_actor=centre, lead_actor_id=lead.id,
        partner_ids=[partner.id]), None)
    vote = approved(s)
    number = vote.version_number
    action = services.load_version(s.project, number).actions[0]
    assert action.frozen_names == {"lead": "Coopérative Amal", "institution": "Centre EN Azilal",
                                   "partners": ["Association Tifawt"]}
    actors.update_actor(s.staff, centre, {"name": "Centre renommé", "kind": "en_training_centre"})
    actors.update_actor(s.staff, lead, {"name": "Coopérative renommée", "kind": "association"})
    actors.delete_actor(s.staff, partner)
    login(None, user=s.staff)
    for page in (f"/versions/{number}", f"/votes/{vote.id}/minutes", ""):
        text = client.get(url(territory, page)).get_data(as_text=True)
        assert "Centre EN Azilal" in text and "Coopérative Amal" in text and "Association Tifawt" in text, page
        assert "renommé" not in text, page
    row = conventions.convention_rows(s.project)[0]
    assert row.defaults.institution == "Centre EN Azilal" and "Centre EN Azilal" in row.defaults.parties
