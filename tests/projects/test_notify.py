"""Who hears about a project's steps: in-app notifications for the right people, worded in the
reader's language, and e-mails that leave only once the step is committed."""
from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from tests.conftest import make_user
from tests.projects._workflow_fixtures import ballots, scene, take, to_voting

from najma.extensions import db
from najma.notifications.models import Notification
from najma.notifications.services import message
from najma.projects import notify
from najma.projects.workflow import TransitionRefused


def received(kind: str) -> set[int]:
    return set(db.session.execute(sa.select(Notification.user_id).where(Notification.kind == kind)).scalars())


@pytest.fixture
def people(db, territory):
    s = scene(territory, members=2)
    s.extra["commission"] = make_user("commission_member", territory=territory)
    s.extra["viewer"] = make_user("viewer")
    return s


def test_submission_tells_the_committee_and_the_delegate(people, territory):
    s = people
    take(s.staff, s.project, "submit")
    assert received("project_submitted") == {s.chair.id, s.members[0].id, s.members[1].id, s.delegate.id}
    note = db.session.execute(sa.select(Notification).where(Notification.user_id == s.chair.id)).scalar_one()
    assert note.url == f"/territories/{territory.slug}/project"
    assert message(note) == ("The territory project “Projet de territoire d'Azilal” (Azilal) was submitted to the "
                             "committee.")


def test_a_send_back_tells_the_antenna_and_the_commission(people):
    s = people
    take(s.staff, s.project, "submit")
    take(s.chair, s.project, "send_back", "À revoir")
    assert received("project_sent_back") == {s.staff.id, s.extra["commission"].id}


def test_the_vote_tells_the_seats_then_everyone_of_the_decision(people):
    s = people
    vote = to_voting(s)
    assert received("vote_opened") == {s.members[0].id, s.members[1].id}  # not the chair who opened it
    ballots(vote, [(s.chair, "approve"), (s.members[0], "approve"), (s.members[1], "approve")])
    take(s.chair, s.project, "close_vote")
    assert received("vote_closed") == {s.members[0].id, s.members[1].id}
    assert received("project_decided") == {s.staff.id, s.delegate.id, s.extra["commission"].id}
    note = db.session.execute(sa.select(Notification).where(Notification.kind == "project_decided")).scalars().first()
    assert message(note) == "The committee approved the territory project “Projet de territoire d'Azilal” (Azilal)."


def test_a_cancelled_vote_tells_the_seats(people):
    s = people
    to_voting(s)
    take(s.chair, s.project, "cancel_vote", "Reporté")
    note = db.session.execute(sa.select(Notification).where(Notification.kind == "vote_closed")).scalars().first()
    assert received("vote_closed") == {s.members[0].id, s.members[1].id}
    assert message(note).endswith("was cancelled.")


def test_messages_are_worded_in_the_readers_language(app):
    from flask_babel import force_locale

    note = Notification(kind="convention_due", params={"project": "P", "action": "Atelier", "due": "2026-09-01"})
    assert message(note) == ("The convention for the action “Atelier” of the territory project “P” is due on "
                             "Sep 1, 2026.")
    with force_locale("fr"):
        assert "1 sept. 2026" in message(note)
    rejected = Notification(kind="project_decided", params={"project": "P", "territory": "T", "outcome": "rejected"})
    assert message(rejected) == "The committee rejected the territory project “P” (T)."


def test_emails_are_logged_after_commit_in_the_recipients_language(people, caplog, monkeypatch):
    from flask_babel import get_locale

    s = people
    s.chair.locale = "ar"
    s.delegate.locale = None
    db.session.commit()
    worded_in = []

    def wording(notification):
        worded_in.append(str(get_locale()))
        return message(notification)

    monkeypatch.setattr(notify.notifications, "message", wording)
    with caplog.at_level(logging.INFO, logger="najma.mail"):
        take(s.staff, s.project, "submit")
    logged = [r.getMessage() for r in caplog.records if r.name == "najma.mail"]
    assert len(logged) == 4 and sorted(worded_in) == ["ar", "fr", "fr", "fr"]
    to_chair = next(text for text in logged if s.chair.email in text)
    assert "أُحيل مشروع المجال الترابي" in to_chair and "/territories/azilal/project" in to_chair
    to_delegate = next(text for text in logged if s.delegate.email in text)
    assert "a été soumis au comité" in to_delegate  # no language chosen: French


def test_nothing_is_sent_when_the_step_is_refused_or_rolled_back(people, caplog):
    s = people
    with caplog.at_level(logging.INFO, logger="najma.mail"):
        notify.notify_users([s.chair.id], "project_submitted", {"project": "P", "territory": "T"})
        assert len(notify.pending_mail()) == 1
        db.session.rollback()
        assert notify.pending_mail() == []
        db.session.commit()
        take(s.staff, s.project, "submit")
        caplog.clear()
        with pytest.raises(TransitionRefused):
            take(s.chair, s.project, "send_back", "")
        with pytest.raises(TransitionRefused):
            take(s.chair, s.project, "open_vote")
        db.session.commit()
    assert [r for r in caplog.records if r.name == "najma.mail"] == []
    assert received("project_sent_back") == set() and received("vote_opened") == set()


def test_inactive_accounts_and_the_actor_are_not_notified(people):
    s = people
    s.members[0].active = False
    db.session.commit()
    take(s.staff, s.project, "submit")
    assert s.members[0].id not in received("project_submitted")
    take(s.chair, s.project, "send_back", "Préciser")
    assert s.chair.id not in received("project_sent_back")


def test_with_a_mail_server_the_emails_go_out_once_the_step_is_committed(people, app, monkeypatch):
    import smtplib

    from tests.test_mail import FakeSMTP

    FakeSMTP.sent, FakeSMTP.calls, FakeSMTP.fail_with = [], [], None
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.org")
    s = people
    take(s.staff, s.project, "submit")
    take(s.chair, s.project, "start_review")
    assert sorted(m["To"] for m in FakeSMTP.sent) == sorted(u.email for u in (s.chair, *s.members, s.delegate))
    assert all(m["Subject"].startswith("NAJMA : Le projet de territoire") for m in FakeSMTP.sent)  # French by default
    FakeSMTP.sent.clear()
    with pytest.raises(TransitionRefused):
        take(s.chair, s.project, "send_back", "")
    assert FakeSMTP.sent == []
    FakeSMTP.fail_with = OSError("down")
    take(s.chair, s.project, "send_back", "Préciser le budget")  # a mail failure never breaks the step
    assert s.project.status == "draft" and received("project_sent_back") == {s.staff.id, s.extra["commission"].id}
