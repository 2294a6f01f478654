"""The notifications page, marking them read, and the unread count shown in the header."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from najma.extensions import db
from najma.notifications import services
from najma.notifications.models import Notification
from najma.permissions import require

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def unread_notifications():
    """The header's unread count, for signed-in users (one query per page)."""
    if not getattr(current_user, "is_authenticated", False):
        return {"unread_notifications": 0}
    return {"unread_notifications": services.unread_count(current_user)}


@bp.get("/")
def index():
    """The user's notifications, newest first, unread ones highlighted."""
    require("notification.view")
    page = max(request.args.get("page", 1, type=int), 1)
    return render_template("notifications/index.html", page=services.recent(current_user, page),
                           message=services.message)


@bp.post("/<int:notification_id>/open")
def open_one(notification_id: int):
    """Mark one notification read and go where it leads (only within the site)."""
    require("notification.view")
    notification = db.get_or_404(Notification, notification_id)
    if notification.user_id != current_user.id:
        return redirect(url_for("notifications.index"))
    services.mark_read(current_user, notification.id)
    target = notification.url if notification.url.startswith("/") and not notification.url.startswith("//") \
        else url_for("notifications.index")
    return redirect(target)


@bp.post("/read")
def read_all():
    """Mark every notification read."""
    require("notification.view")
    services.mark_read(current_user)
    return redirect(url_for("notifications.index"))
