"""Who hears about a project's steps, and how: an in-app notification for each person concerned
and, when they have an e-mail address, an e-mail in their own language.

Notifications are rows in the caller's transaction. E-mails wait in the session until it
commits (``after_commit``) and are dropped if it rolls back, so a refused step never sends
anything; sending failures are logged by ``najma.mail`` and never break the request.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy import event, orm

from najma.auth.models import RoleAssignment, User
from najma.extensions import db
from najma.notifications import services as notifications
from najma.notifications.models import Notification

logger = logging.getLogger("najma.mail")

_QUEUE = "najma_mail_queue"


def notify_users(user_ids, kind: str, params: dict, url: str = "") -> list[int]:
    """Notify each of ``user_ids`` (active accounts, each once) in the current transaction and
    queue their e-mails until it commits; returns the ids notified."""
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return []
    users = db.session.execute(sa.select(User.id, User.email, User.locale)
                               .where(User.id.in_(ids), User.active.is_(True))).all()
    root = request.host_url.rstrip("/") if has_request_context() else ""
    queue = db.session.info.setdefault(_QUEUE, [])
    for user in users:
        notifications.notify(user.id, kind, params, url)
        if user.email:
            queue.append({"to": user.email, "locale": user.locale or "fr", "kind": kind, "params": dict(params),
                          "url": root + url})
    return [user.id for user in users]


def pending_mail() -> list[dict]:
    """The e-mails waiting for the current transaction to commit (for tests and diagnostics)."""
    return list(db.session.info.get(_QUEUE, []))


def _send_queued(session: orm.Session) -> None:
    queue = session.info.pop(_QUEUE, None)
    if not queue:
        return
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from najma import mail

    for item in queue:
        try:
            with force_locale(item["locale"]):
                text = notifications.message(Notification(kind=item["kind"], params=item["params"]))
                subject = _("NAJMA: %(text)s", text=text)
                body = text + ("\n\n" + item["url"] if item["url"] else "")
                comment = item["params"].get("comment")
                if comment:
                    body = text + "\n\n" + _("Comment: %(comment)s", comment=comment) + (
                        "\n\n" + item["url"] if item["url"] else "")
            mail.send(item["to"], subject[:200], body)
        except Exception:  # an e-mail is a courtesy: never let it break the committed request
            logger.exception("E-mail notification %s to %s failed", item["kind"], item["to"])


def _drop_queued(session: orm.Session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(_QUEUE, None)


if not event.contains(orm.Session, "after_commit", _send_queued):
    event.listen(orm.Session, "after_commit", _send_queued)
    event.listen(orm.Session, "after_soft_rollback", _drop_queued)


# --- who is concerned ----------------------------------------------------------------------------

def holders(territory_id: int, roles: tuple[str, ...]) -> set[int]:
    """Accounts holding one of ``roles`` on the territory (committee members hold
    ``committee_member`` through their seat, the chair included)."""
    return set(db.session.execute(sa.select(RoleAssignment.user_id).where(
        RoleAssignment.territory_id == territory_id, RoleAssignment.role.in_(roles))).scalars())


def seat_users(vote_id: int) -> set[int]:
    """Accounts holding a seat in the vote."""
    from najma.projects.models import VoteSeat

    return set(db.session.execute(sa.select(VoteSeat.user_id).where(
        VoteSeat.vote_id == vote_id, VoteSeat.user_id.is_not(None))).scalars())


def project_url(slug: str, page: str = "") -> str:
    """The path of the project page (or one of its pages, e.g. ``/vote``) of the territory ``slug``."""
    return f"/territories/{slug}/project{page}"


def for_transition(actor, *, name: str, territory, title: str, outcome: str | None = None,
                   vote_id: int | None = None, comment: str = "") -> list[int]:
    """Notify the people a workflow step concerns; returns the ids notified. The actor is not
    told of their own step.

    submitted: the committee (chair included) and the delegate; sent back: the antenna and the
    commission; vote opened or cancelled: every seat with an account; vote closed: the seats
    (``vote_closed``) and the committee, antenna, commission and delegate (``project_decided``).
    """
    base = {"project": title, "territory": territory.name, "by": getattr(actor, "full_name", "") or ""}
    url = project_url(territory.slug)
    me = getattr(actor, "id", None)
    sent: list[int] = []
    if name == "submit":
        sent += notify_users(holders(territory.id, ("committee_member", "delegate")) - {me},
                             "project_submitted", base, url)
    elif name == "send_back":
        sent += notify_users(holders(territory.id, ("antenna_staff", "commission_member")) - {me},
                             "project_sent_back", {**base, "comment": comment}, url)
    elif name == "open_vote" and vote_id is not None:
        sent += notify_users(seat_users(vote_id) - {me}, "vote_opened", base, project_url(territory.slug, "/vote"))
    elif name == "cancel_vote" and vote_id is not None:
        sent += notify_users(seat_users(vote_id) - {me}, "vote_closed",
                             {**base, "outcome": "cancelled", "comment": comment}, url)
    elif name == "close_vote" and vote_id is not None:
        seats = seat_users(vote_id) - {me}
        sent += notify_users(seats, "vote_closed", {**base, "outcome": outcome}, url)
        others = holders(territory.id, ("committee_member", "antenna_staff", "commission_member", "delegate"))
        sent += notify_users(others - seats - {me}, "project_decided", {**base, "outcome": outcome}, url)
    return sent
