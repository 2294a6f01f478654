"""The workflow through HTTP: the panel's steps, send-back and the version diff, the vote page and
its ballots, refusals that say why and keep the comment, the deliberations, the voting rules, who
may see what, and query counts that do not grow with seats, ballots or steps."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import g
from tests.conftest import count_queries, counted_queries, make_territory, make_user
from tests.projects._workflow_fixtures import add_voting_member, approved, ballots, scene, take, to_voting

from najma.extensions import db
from najma.projects import services, workflow
from najma.projects.models import Ballot, ProjectComment, ProjectVote, TerritoryProject, VoteRules, VoteSeat


def url(territory, page=""):
    return f"/territories/{territory.slug}/project{page}"


def step(client, territory, name, comment="", *, version=None, **extra):
    """POST the step ``name`` with the project's current status version (or ``version``)."""
    project = db.session.execute(sa.select(TerritoryProject).where(
        TerritoryProject.territory_id == territory.id)).scalar_one()
    db.session.refresh(project)
    data = {"comment": comment, "status_version": project.status_version if version is None else version, **extra}
    return client.post(url(territory, f"/transitions/{name}"), data=data)


def status(territory) -> str:
    return db.session.execute(sa.select(TerritoryProject.status).where(
        TerritoryProject.territory_id == territory.id)).scalar_one()


def as_user(login, user):
    return login(None, user=user)


def test_the_whole_workflow_through_http_with_a_send_back_and_its_diff(client, login, db, territory):
    s = scene(territory, members=2)
    as_user(login, s.staff)
    page = client.get(url(territory)).get_data(as_text=True)
    assert 'data-testid="workflow-panel"' in page and 'data-testid="step-submit"' in page
    assert 'data-testid="step-open_vote"' not in page
    answer = step(client, territory, "submit", "Première version")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(url(territory))
    assert status(territory) == "submitted"

    as_user(login, s.chair)
    page = client.get(url(territory)).get_data(as_text=True)
    assert 'data-testid="step-start_review"' in page and 'data-testid="step-send_back"' in page
    assert "Première version" in page  # the last steps of the timeline
    assert step(client, territory, "start_review").status_code == 302

    as_user(login, s.members[0])
    assert client.post(url(territory, "/comments"), data={"section": "context", "body": "Chiffrer le besoin"}
                       ).status_code == 302
    assert db.session.execute(sa.select(ProjectComment.body)).scalar_one() == "Chiffrer le besoin"

    as_user(login, s.chair)
    assert step(client, territory, "send_back", "Chiffrer le besoin des femmes").status_code == 302
    assert status(territory) == "draft"
    diff = client.get(url(territory, "/versions/diff?from=1&to=2"))
    assert diff.status_code == 200

    as_user(login, s.staff)
    version = services.current_version(s.project)
    answer = client.post(url(territory, "/edit"), data={
        "title": "Projet amendé", "context": "Deux cents femmes", "general_objective": "Autonomie",
        "specific_objectives": "Former", "lock_version": version.lock_version})
    assert answer.status_code == 302
    diff = client.get(url(territory, "/versions/diff?from=1&to=2")).get_data(as_text=True)
    assert "Projet amendé" in diff or "amendé" in diff
    assert step(client, territory, "submit").status_code == 302

    as_user(login, s.chair)
    assert step(client, territory, "start_review").status_code == 302
    assert step(client, territory, "open_vote").status_code == 302
    assert status(territory) == "voting"

    as_user(login, s.staff)  # content is frozen during the vote
    client.post(url(territory, "/edit"), data={"title": "Pendant le vote", "general_objective": "x",
                                               "lock_version": services.current_version(s.project).lock_version})
    assert services.current_version(s.project).title == "Projet amendé"

    for member in s.members:
        as_user(login, member)
        page = client.get(url(territory, "/vote")).get_data(as_text=True)
        assert 'data-testid="ballot-form"' in page
        answer = client.post(url(territory, "/vote"), data={"choice": "approve", "comment": "D'accord"})
        assert answer.status_code == 302
    again = client.post(url(territory, "/vote"), data={"choice": "reject"})
    assert again.status_code == 409 and "You have already voted." in again.get_data(as_text=True)

    as_user(login, s.chair)
    page = client.get(url(territory, "/vote")).get_data(as_text=True)
    assert 'data-testid="vote-close_vote"' in page and "More votes for than against." in page
    assert step(client, territory, "close_vote", "Séance du 4 mai", back="vote").status_code == 302
    assert status(territory) == "approved"
    project = db.session.get(TerritoryProject, s.project.id)
    assert project.approved_number == 2

    as_user(login, s.staff)
    page = client.get(url(territory)).get_data(as_text=True)
    assert 'data-status="approved"' in page
    client.post(url(territory, "/edit"), data={"title": "Après", "general_objective": "x",
                                               "lock_version": services.current_version(project).lock_version})
    assert services.current_version(project).title == "Projet amendé"
    deliberations = client.get(url(territory, "/votes")).get_data(as_text=True)
    for name in ("submit", "start_review", "send_back", "open_vote", "close_vote"):
        assert f'data-transition="{name}"' in deliberations
    assert "Chiffrer le besoin des femmes" in deliberations and 'data-testid="minutes-link"' in deliberations
    vote = db.session.execute(sa.select(ProjectVote)).scalar_one()
    assert client.get(url(territory, f"/votes/{vote.id}/minutes")).status_code == 200


def test_a_refused_step_says_why_keeps_the_comment_and_changes_nothing(client, login, db, territory):
    s = scene(territory, members=4)
    as_user(login, s.members[0])
    refused = step(client, territory, "submit", "Je soumets")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "taken by: Antenna staff, Commission member" in text
    assert "Je soumets" in text and status(territory) == "draft"

    as_user(login, s.staff)
    stale = s.project.status_version
    step(client, territory, "submit")
    refused = step(client, territory, "submit", "Encore", version=stale)
    assert refused.status_code == 409 and "The project changed meanwhile; reload the page." in refused.get_data(as_text=True)

    as_user(login, s.chair)
    refused = step(client, territory, "send_back", "")
    assert refused.status_code == 400 and "A comment is required for this step." in refused.get_data(as_text=True)
    refused = step(client, territory, "open_vote", "Trop tôt")
    assert refused.status_code == 409 and "not possible while the project is submitted" in refused.get_data(as_text=True)
    step(client, territory, "start_review")
    step(client, territory, "open_vote")
    vote = workflow.open_vote_of(s.project)
    ballots(vote, [(s.chair, "approve"), (s.members[0], "approve")])
    refused = step(client, territory, "close_vote", "Clôture")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Quorum not reached: 2 of 5 voting members voted; more than 2.5 needed." in text
    assert 'data-testid="step-retry"' in text and "Clôture" in text
    assert status(territory) == "voting"
    assert client.post(url(territory, "/transitions/approve"), data={"status_version": 1}).status_code == 404


def test_an_incomplete_project_is_refused_with_the_list(client, login, db, territory):
    s = scene(territory)
    as_user(login, s.staff)
    version = services.current_version(s.project)
    services.update_content(s.staff, s.project, {"title": "Projet", "general_objective": ""}, version.lock_version)
    refused = step(client, territory, "submit")
    assert refused.status_code == 409 and "The project needs a general objective." in refused.get_data(as_text=True)


def test_only_the_seated_members_vote_and_the_chair_records_paper_ballots(client, login, db, territory):
    s = scene(territory, members=2)
    add_voting_member(s.body, "Fatima Papier")
    observer = make_user(territory=territory, name="Observatrice")
    add_voting_member(s.body, "Observatrice", user=observer, voting=False)
    bystander = make_user("committee_member", territory=territory)
    vote = to_voting(s)

    for user in (observer, bystander, s.staff):
        as_user(login, user)
        page = client.get(url(territory, "/vote")).get_data(as_text=True)
        assert 'data-testid="ballot-form"' not in page
        refused = client.post(url(territory, "/vote"), data={"choice": "approve"})
        assert refused.status_code == 409 and "You have no seat in this vote" in refused.get_data(as_text=True)
    other = make_territory("Safi")
    as_user(login, make_user("committee_member", territory=other))
    assert client.post(url(territory, "/vote"), data={"choice": "approve"}).status_code == 403

    as_user(login, s.members[0])
    paper = db.session.execute(sa.select(VoteSeat.id).where(VoteSeat.full_name == "Fatima Papier")).scalar_one()
    refused = client.post(url(territory, "/vote"), data={"choice": "reject", "seat_id": paper})
    assert refused.status_code == 409 and "Only the chair records" in refused.get_data(as_text=True)

    as_user(login, s.chair)
    page = client.get(url(territory, "/vote")).get_data(as_text=True)
    assert 'data-testid="paper-ballot-form"' in page and "Fatima Papier" in page
    answer = client.post(url(territory, "/vote"), data={"choice": "reject", "seat_id": paper, "comment": "À main levée"})
    assert answer.status_code == 302
    ballot = db.session.execute(sa.select(Ballot).where(Ballot.seat_id == paper)).scalar_one()
    assert (ballot.choice, ballot.recorded_by_id, ballot.comment) == ("reject", s.chair.id, "À main levée")
    again = client.post(url(territory, "/vote"), data={"choice": "approve", "seat_id": paper})
    assert again.status_code == 409 and "This member has already voted." in again.get_data(as_text=True)
    member_seat = db.session.execute(sa.select(VoteSeat.id).where(VoteSeat.user_id == s.members[1].id)).scalar_one()
    refused = client.post(url(territory, "/vote"), data={"choice": "approve", "seat_id": member_seat})
    assert refused.status_code == 409 and "casts their own ballot" in refused.get_data(as_text=True)
    assert client.post(url(territory, "/vote"), data={"choice": "maybe"}).status_code == 400

    # During the vote: who voted, not how.
    page = client.get(url(territory, "/vote")).get_data(as_text=True)
    assert "1 of 4 voting members have voted." in page and 'data-testid="choice"' not in page
    ballots(vote, [(s.chair, "approve"), (s.members[0], "approve")])
    step(client, territory, "close_vote")
    page = client.get(url(territory, "/vote")).get_data(as_text=True)
    assert page.count('data-testid="choice"') == 3 and "on paper" in page

    as_user(login, s.members[1])
    late = client.post(url(territory, "/vote"), data={"choice": "approve"})
    assert late.status_code == 409 and "No vote is open" in late.get_data(as_text=True)


def test_the_panel_shows_the_open_vote_and_the_tally_to_the_chair(client, login, db, territory):
    s = scene(territory, members=2)
    vote = to_voting(s)
    ballots(vote, [(s.members[0], "approve")])
    as_user(login, s.members[1])
    page = client.get(url(territory)).get_data(as_text=True)
    assert "1 of 3 voting members have voted." in page and 'data-testid="go-vote"' in page
    assert 'data-testid="close-tally"' not in page
    as_user(login, s.members[0])
    assert 'data-testid="my-ballot"' in client.get(url(territory)).get_data(as_text=True)
    as_user(login, s.chair)
    page = client.get(url(territory)).get_data(as_text=True)
    assert 'data-testid="close-tally"' in page and "Quorum not reached:" in page
    assert 'data-testid="step-cancel_vote"' in page
    step(client, territory, "cancel_vote", "Reporté")
    page = client.get(url(territory)).get_data(as_text=True)
    assert 'data-testid="frozen-under-review"' in page and 'data-testid="step-send_back"' in page


def test_the_vote_may_be_linked_to_a_committee_meeting(client, login, db, territory):
    from datetime import datetime, timezone

    from najma.governance import services as governance

    s = scene(territory)
    meeting = governance.create_meeting(None, s.body, {"title": "Séance ordinaire", "place": "Azilal",
                                                       "starts_at": datetime(2026, 5, 4, 9, tzinfo=timezone.utc)})
    take(s.staff, s.project, "submit")
    take(s.chair, s.project, "start_review")
    as_user(login, s.chair)
    page = client.get(url(territory)).get_data(as_text=True)
    assert "Séance ordinaire" in page
    assert step(client, territory, "open_vote", meeting_id=meeting.id).status_code == 302
    assert workflow.open_vote_of(s.project).meeting_id == meeting.id
    assert "Séance ordinaire" in client.get(url(territory, "/vote")).get_data(as_text=True)


def test_the_rules_are_edited_by_the_chair_and_frozen_during_a_vote(client, login, db, territory):
    s = scene(territory, members=2)
    as_user(login, s.members[0])
    page = client.get(url(territory, "/rules")).get_data(as_text=True)
    assert "More than 50 % of the voting members" in page and 'data-testid="rules-form"' not in page
    assert client.post(url(territory, "/rules"), data={"quorum_percent": 60, "majority_rule": "votes_cast"}
                       ).status_code == 403
    as_user(login, s.chair)
    bad = client.post(url(territory, "/rules"), data={"quorum_percent": 100, "majority_rule": "votes_cast"})
    assert bad.status_code == 400
    answer = client.post(url(territory, "/rules"), data={"quorum_percent": 66, "majority_rule": "two_thirds_cast",
                                                          "chair_breaks_tie": ""})
    assert answer.status_code == 302
    rules = db.session.execute(sa.select(VoteRules)).scalar_one()
    assert (rules.quorum_percent, rules.majority_rule, rules.chair_breaks_tie) == (66, "two_thirds_cast", False)
    to_voting(s)
    refused = client.post(url(territory, "/rules"), data={"quorum_percent": 50, "majority_rule": "votes_cast"})
    assert refused.status_code == 409 and "A vote is open" in refused.get_data(as_text=True)
    assert db.session.execute(sa.select(VoteRules.quorum_percent)).scalar_one() == 66
    assert "66 %" in client.get(url(territory, "/vote")).get_data(as_text=True)


def test_readers_outside_the_territory_see_nothing(client, login, db, territory):
    s = scene(territory, members=1)
    vote = approved(s)
    login("committee_member", on=make_territory("Safi"))
    for page in ("/vote", "/votes", f"/votes/{vote.id}/minutes", f"/votes/{vote.id}/minutes.pdf", "/rules"):
        assert client.get(url(territory, page)).status_code == 403, page
    assert step(client, territory, "sign_conventions").status_code == 403


def test_pages_before_any_vote_and_minutes_of_an_open_vote(client, login, db, territory):
    s = scene(territory, members=1)
    as_user(login, s.staff)
    assert 'data-testid="no-vote"' in client.get(url(territory, "/vote")).get_data(as_text=True)
    assert 'data-testid="no-votes"' in client.get(url(territory, "/votes")).get_data(as_text=True)
    vote = to_voting(s)
    assert client.get(url(territory, f"/votes/{vote.id}/minutes")).status_code == 404
    assert client.get(url(territory, f"/votes/{vote.id + 99}/minutes.pdf")).status_code == 404




def _panel_queries(app, project, user) -> int:
    from najma.projects.workflow_views import panel_context

    with app.test_request_context("/"):
        g.pop("_najma_committee", None)
        project = db.session.get(TerritoryProject, project.id)
        db.session.refresh(project)
        with counted_queries() as counter:
            panel_context(project, user)
        return counter.n


@pytest.mark.parametrize("pages", [("", "/vote", "/votes")])
def test_query_counts_do_not_grow_with_seats_ballots_and_steps(app, client, login, db, territory, pages):
    small = scene(territory, members=1)
    small_vote = to_voting(small)
    ballots(small_vote, [(small.chair, "approve")])
    other = make_territory("Chefchaouen")
    large = scene(other, members=12)
    take(large.staff, large.project, "submit")
    take(large.chair, large.project, "send_back", "Revoir")
    take(large.staff, large.project, "submit")
    take(large.chair, large.project, "start_review")
    take(large.chair, large.project, "open_vote")
    take(large.chair, large.project, "cancel_vote", "Report")
    take(large.chair, large.project, "open_vote")
    large_vote = workflow.open_vote_of(large.project)
    ballots(large_vote, [(large.chair, "approve")] + [(m, "reject") for m in large.members[:8]])

    assert _panel_queries(app, small.project, small.chair) == _panel_queries(app, large.project, large.chair)
    for page in pages:
        as_user(login, small.chair)
        few = count_queries(lambda: client.get(url(territory, page)))
        as_user(login, large.chair)
        many = count_queries(lambda: client.get(url(other, page)))
        assert few == many, page


def test_minutes_page_queries_do_not_grow_with_seats(app, client, login, db, territory):
    small = scene(territory, members=1)
    small_vote = approved(small)
    other = make_territory("Chefchaouen")
    large = scene(other, members=10, actions=3)
    large_vote = approved(large)
    as_user(login, small.chair)
    few = count_queries(lambda: client.get(url(territory, f"/votes/{small_vote.id}/minutes")))
    as_user(login, large.chair)
    many = count_queries(lambda: client.get(url(other, f"/votes/{large_vote.id}/minutes")))
    assert few == many


def test_steps_and_ballots_need_the_forms_csrf_token(app, client, login, db, territory):
    import re

    s = scene(territory, members=1)
    app.config["WTF_CSRF_ENABLED"] = True
    as_user(login, s.staff)
    assert step(client, territory, "submit").status_code == 400
    assert status(territory) == "draft"
    page = client.get(url(territory)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert step(client, territory, "submit", csrf_token=token).status_code == 302
    assert status(territory) == "submitted"
