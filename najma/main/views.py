"""Home page per role, language switcher, Markdown preview and health check."""
from datetime import date

import sqlalchemy as sa

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from najma import markdown_render
from najma.urls import safe_next
from najma.auth import services as auth_services
from najma.governance import services as governance
from najma.permissions import require
from najma.territories import services as territories
from najma.extensions import db
from najma.territories.models import Territory

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """What matters to the signed-in user: territories, bodies, meetings, pending minutes."""
    require("home.view")
    my_territory_ids = current_user.territory_ids()
    my_territories = []
    if my_territory_ids:
        my_territories = list(db.session.execute(
            sa.select(Territory).where(Territory.id.in_(my_territory_ids)).order_by(Territory.name)).scalars())
    overview = governance.governance_overview([t.id for t in my_territories], date.today())
    gaps = [(territory, body, [f for f in findings if f.level == "danger"])
            for territory in my_territories for body, _members, findings in overview[territory.id]
            if any(f.level == "danger" for f in findings)]
    return render_template(
        "main/home.html",
        my_territories=my_territories,
        gaps=gaps,
        memberships=governance.user_memberships(current_user, date.today()),
        upcoming=governance.upcoming_meetings_for(current_user),
        awaiting=governance.minutes_awaiting(current_user),
        phase_counts=territories.count_by_phase(),
    )


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    """Switch the interface language; remembered on the account when signed in."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["locale"] = code
    if current_user.is_authenticated:
        auth_services.set_locale(current_user, code)
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))


@bp.post("/markdown/preview")
def markdown_preview():
    """The sanitised HTML of posted Markdown, exactly as pages will render it."""
    require("markdown.preview")
    return {"html": str(markdown_render.render(request.form.get("text", "")))}


@bp.get("/health")
def health():
    """Liveness probe for the process supervisor."""
    return {"status": "ok"}
