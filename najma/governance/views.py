"""Body pages (composition and gaps), seats, meetings, minutes, attendance and decisions."""
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from najma.auth.services import find_user_by_email
from najma.errors import DomainError, StaleEditError
from najma.extensions import db
from najma.form_errors import apply_domain_error
from najma.governance import services
from najma.governance.forms import (ConfirmForm, DecisionForm, EndMembershipForm, MeetingForm,
                                    MembershipForm, MinutesForm)
from najma.governance.models import Body, Decision, Meeting, Membership
from najma.permissions import can, require
from najma.timeutil import to_local, to_utc
from najma.vocab import ATTENDANCE

bp = Blueprint("governance", __name__)


def _body_page(body: Body):
    require("body.view", body)
    today = date.today()
    members = services.current_members(body, today)
    return render_template(
        "governance/body.html", body=body, members=members,
        findings=services.body_findings(body, members),
        former=services.past_members(body, today),
        meetings=services.list_meetings(body, page=request.args.get("page", 1, type=int)),
        today=today,
    )


@bp.get("/bodies/<int:body_id>")
def body(body_id: int):
    """A body's composition, what the programme expects but is missing, and its meetings."""
    return _body_page(db.get_or_404(Body, body_id))


@bp.get("/steering")
def steering():
    """The national steering committee."""
    return _body_page(services.get_steering_body())


def _membership_form(obj=None) -> MembershipForm:
    form = MembershipForm(obj=obj)
    if obj is not None and request.method == "GET":
        form.account_email.data = obj.user.email if obj.user is not None else ""
        form.sector.data = obj.sector or ""
    return form


def _membership_data(form: MembershipForm) -> dict:
    """The form's values for the service; the account is found by its email (DomainError if none)."""
    data = {key: getattr(form, key).data for key in services.MEMBERSHIP_FIELDS if key != "user_id"}
    email = (form.account_email.data or "").strip()
    data["user_id"] = None
    if email:
        user = find_user_by_email(email)
        if user is None or not user.active:
            raise DomainError(_l("No active NAJMA account uses this email address."), field="account_email")
        data["user_id"] = user.id
    return data


@bp.route("/bodies/<int:body_id>/members/new", methods=["GET", "POST"])
def member_new(body_id: int):
    """Seat someone on the body."""
    body = db.get_or_404(Body, body_id)
    require("body.manage_members", body)
    form = _membership_form()
    if request.method == "GET":
        form.start_date.data = date.today()
        form.voting.data = body.kind != "antenna"
    if form.validate_on_submit():
        try:
            services.add_member(current_user, body, _membership_data(form))
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Member added."), "success")
            return redirect(url_for("governance.body", body_id=body.id))
    return render_template("governance/member_form.html", form=form, body=body,
                           membership=None), 400 if form.errors else 200


@bp.route("/members/<int:membership_id>/edit", methods=["GET", "POST"])
def member_edit(membership_id: int):
    """Change a seat."""
    membership = db.get_or_404(Membership, membership_id)
    body = membership.body
    require("body.manage_members", body)
    form = _membership_form(membership)
    if form.validate_on_submit():
        try:
            services.update_member(current_user, membership, _membership_data(form))
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Member saved."), "success")
            return redirect(url_for("governance.body", body_id=body.id))
    return render_template("governance/member_form.html", form=form, body=body, membership=membership,
                           end_form=EndMembershipForm(end_date=date.today())), 400 if form.errors else 200


@bp.post("/members/<int:membership_id>/end")
def member_end(membership_id: int):
    """End a seat; its history stays on the body page."""
    membership = db.get_or_404(Membership, membership_id)
    require("body.manage_members", membership.body)
    form = EndMembershipForm()
    if form.validate_on_submit():
        try:
            services.end_membership(current_user, membership, form.end_date.data)
        except DomainError as error:
            apply_domain_error(None, error)
        else:
            flash(_("The seat of %(name)s ends on %(day)s.", name=membership.full_name,
                    day=form.end_date.data.isoformat()), "success")
            return redirect(url_for("governance.body", body_id=membership.body_id))
    else:
        flash(_("Give a valid end date."), "danger")
    return redirect(url_for("governance.member_edit", membership_id=membership.id))


def _meeting_data(form: MeetingForm) -> dict:
    return {"title": form.title.data, "starts_at": to_utc(form.starts_at.data),
            "place": form.place.data, "agenda": form.agenda.data}


@bp.route("/bodies/<int:body_id>/meetings/new", methods=["GET", "POST"])
def meeting_new(body_id: int):
    """Schedule a meeting of the body."""
    body = db.get_or_404(Body, body_id)
    require("meeting.create", body)
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            meeting = services.create_meeting(current_user, body, _meeting_data(form))
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Meeting scheduled."), "success")
            return redirect(url_for("governance.meeting", meeting_id=meeting.id))
    return render_template("governance/meeting_form.html", form=form, body=body,
                           meeting=None), 400 if form.errors else 200


@bp.get("/meetings/<int:meeting_id>")
def meeting(meeting_id: int):
    """A meeting: agenda, attendance, decisions and minutes."""
    meeting = db.get_or_404(Meeting, meeting_id)
    require("meeting.view", meeting)
    return render_template(
        "governance/meeting.html", meeting=meeting, body=meeting.body,
        attendance=services.meeting_attendance(meeting),
        may_read_minutes=can(current_user, "meeting.view_minutes", meeting),
        decision_form=DecisionForm(), confirm=ConfirmForm(), attendance_choices=ATTENDANCE,
    )


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
def meeting_edit(meeting_id: int):
    """Change a meeting's title, date, place or agenda."""
    meeting = db.get_or_404(Meeting, meeting_id)
    require("meeting.edit", meeting)
    form = MeetingForm(obj=meeting)
    if request.method == "GET":
        form.starts_at.data = to_local(meeting.starts_at)
    if form.validate_on_submit():
        try:
            services.update_meeting(current_user, meeting, _meeting_data(form))
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Meeting saved."), "success")
            return redirect(url_for("governance.meeting", meeting_id=meeting.id))
    return render_template("governance/meeting_form.html", form=form, body=meeting.body,
                           meeting=meeting), 400 if form.errors else 200


@bp.route("/meetings/<int:meeting_id>/minutes", methods=["GET", "POST"])
def minutes_edit(meeting_id: int):
    """Write the minutes in Markdown with a preview; a stale edit gets a 409 merge page."""
    meeting = db.get_or_404(Meeting, meeting_id)
    require("meeting.edit", meeting)
    form = MinutesForm()
    if request.method == "GET":
        form.minutes.data, form.version.data = meeting.minutes, meeting.version
    preview = request.method == "POST" and "preview" in request.form
    if not preview and form.validate_on_submit():
        try:
            services.save_minutes(current_user, meeting, form.minutes.data or "", form.version.data)
        except StaleEditError as conflict:
            form.version.data = conflict.current_version
            return render_template("governance/minutes_conflict.html", meeting=meeting, form=form,
                                   conflict=conflict), 409
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Minutes saved."), "success")
            return redirect(url_for("governance.meeting", meeting_id=meeting.id))
    return render_template("governance/minutes_form.html", form=form, meeting=meeting,
                           preview=preview), 400 if form.errors else 200


@bp.post("/meetings/<int:meeting_id>/attendance")
def attendance(meeting_id: int):
    """Record who was present, excused or absent."""
    meeting = db.get_or_404(Meeting, meeting_id)
    require("meeting.edit", meeting)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form has expired; reload the page."), "danger")
        return redirect(url_for("governance.meeting", meeting_id=meeting.id))
    statuses = {}
    for key, value in request.form.items():
        if key.startswith("seat-") and value:
            try:
                statuses[int(key.removeprefix("seat-"))] = value
            except ValueError:
                continue
    try:
        services.set_attendance(current_user, meeting, statuses)
    except DomainError as error:
        apply_domain_error(None, error)
    else:
        flash(_("Attendance saved."), "success")
    return redirect(url_for("governance.meeting", meeting_id=meeting.id) + "#attendance")


@bp.post("/meetings/<int:meeting_id>/decisions")
def decision_add(meeting_id: int):
    """Record a decision."""
    meeting = db.get_or_404(Meeting, meeting_id)
    require("meeting.edit", meeting)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            services.add_decision(current_user, meeting, form.text.data)
        except DomainError as error:
            apply_domain_error(None, error)
        else:
            flash(_("Decision recorded."), "success")
    else:
        flash(_("Write the decision."), "danger")
    return redirect(url_for("governance.meeting", meeting_id=meeting.id) + "#decisions")


@bp.post("/decisions/<int:decision_id>/delete")
def decision_delete(decision_id: int):
    """Remove a decision from draft minutes."""
    decision = db.get_or_404(Decision, decision_id)
    meeting = decision.meeting
    require("meeting.edit", meeting)
    if ConfirmForm().validate_on_submit():
        try:
            services.delete_decision(current_user, decision)
        except DomainError as error:
            apply_domain_error(None, error)
        else:
            flash(_("Decision removed."), "success")
    return redirect(url_for("governance.meeting", meeting_id=meeting.id) + "#decisions")


@bp.post("/meetings/<int:meeting_id>/adopt")
def adopt(meeting_id: int):
    """Adopt the minutes, which locks them."""
    meeting = db.get_or_404(Meeting, meeting_id)
    require("meeting.adopt", meeting)
    if ConfirmForm().validate_on_submit():
        try:
            services.adopt_minutes(current_user, meeting)
        except DomainError as error:
            apply_domain_error(None, error)
        else:
            flash(_("Minutes adopted. They are now locked."), "success")
    return redirect(url_for("governance.meeting", meeting_id=meeting.id))
