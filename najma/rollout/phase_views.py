"""Phase pages: a territory's gate to its next phase, the transition form and the history; the
manual ticks; the gate items (administrators); the programme's own phase; the replication kit;
the chantier tools and their adoption by territories."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from najma.errors import DomainError
from najma.extensions import db
from najma.form_errors import apply_domain_error
from najma.geography.models import Province
from najma.permissions import can, require
from najma.reference.models import Chantier
from najma.rollout import gates as gate_rules
from najma.rollout import services, tools as tool_services
from najma.rollout.blueprint import bp, territory_or_404
from najma.rollout.models import ChantierTool, GateItem
from najma.rollout.phase_forms import (AdoptForm, CheckForm, GateItemForm, MoveForm, MoveItemForm, NewGateItemForm,
                                       ProgrammeForm, ReplicateForm, ToolForm)
from najma.rollout.replication import ReplicationData, replicate as replicate_territory
from najma.territories import services as territory_services
from najma.territories.models import Territory
from najma.timeutil import format_datetime_local
from najma.vocab import PHASES, label


def _meeting_choices() -> list[tuple]:
    return [("", _("Not recorded"))] + [
        (m.id, f"{m.title} · {format_datetime_local(m.starts_at, 'short')}") for m in services.steering_meetings()]


def _move_form(territory: Territory, target: str | None) -> MoveForm:
    form = MoveForm()
    form.meeting_id.choices = _meeting_choices()
    if request.method == "GET" or not form.from_phase.data:
        form.from_phase.data, form.to_phase.data = territory.phase, target or ""
    return form


def _phase_page(territory: Territory, *, move_form: MoveForm | None = None, check_form: CheckForm | None = None,
                check_item_id: int | None = None, refused: services.GateRefused | None = None, status: int = 200):
    """The territory's phase page (with a form as the user sent it, when it was refused)."""
    target = gate_rules.next_phase(territory.phase)
    gate = gate_rules.evaluate(territory, target) if target else None
    form = move_form or _move_form(territory, target)
    adopt_form = AdoptForm(formdata=None, territory_id=territory.id)
    adoptable = tool_services.adoptable_tools(territory)
    adopt_form.tool_id.choices = [("", "—")] + [(t.id, f"{t.chantier.name} · {t.title}") for t in adoptable]
    return render_template(
        "rollout/territory_phase.html", territory=territory, target=target, gate=gate, form=form,
        check_form=check_form or CheckForm(formdata=None), check_item_id=check_item_id,
        blank_check=CheckForm(formdata=None), refused=refused, history=services.history(territory),
        adopted=tool_services.adopted_tools(territory), adoptable=adoptable, adopt_form=adopt_form,
        min_justification=services.MIN_JUSTIFICATION), status


@bp.get("/territories/<slug>/phase")
def territory_phase(slug: str):
    """The territory's phase and cohort, the gate to the next phase item by item with its
    evidence, the move form, the chantier tools it adopted and its history of transitions."""
    territory = territory_or_404(slug, "rollout.view")
    return _phase_page(territory)


@bp.post("/territories/<slug>/phase")
def move(slug: str):
    """Move the territory to its next phase (a steering decision; an override needs a justification)."""
    territory = territory_or_404(slug, "rollout.transition")
    target = gate_rules.next_phase(territory.phase)
    form = _move_form(territory, target)
    if not form.validate_on_submit():
        return _phase_page(territory, move_form=form, status=400)
    if form.from_phase.data != territory.phase:
        flash(_("The phase of %(territory)s changed while you were deciding: it is now %(phase)s. Your decision is "
                "kept below; check the gate again.", territory=territory.name, phase=territory.phase_label), "warning")
        form.from_phase.data, form.to_phase.data = territory.phase, target or ""
        return _phase_page(territory, move_form=form, status=409)
    try:
        transition = services.move_territory(
            current_user, territory, form.to_phase.data or "", form.decision.data or "",
            meeting_id=form.meeting_id.data, override_justification=form.override_justification.data or "")
    except services.GateRefused as refused:
        db.session.rollback()
        return _phase_page(territory, move_form=form, refused=refused, status=409)
    except services.PhaseConflict as conflict:
        db.session.rollback()
        flash(str(conflict.message), "warning")
        territory = territory_or_404(slug, "rollout.transition")
        form.from_phase.data, form.to_phase.data = territory.phase, gate_rules.next_phase(territory.phase) or ""
        return _phase_page(territory, move_form=form, status=409)
    except DomainError as error:
        apply_domain_error(form, error)
        return _phase_page(territory, move_form=form, status=400 if error.field else 409)
    if transition.overridden:
        flash(_("%(territory)s moved to the %(phase)s phase, overriding its gate; the justification is on record.",
                territory=territory.name, phase=transition.to_phase_label), "warning")
    else:
        flash(_("%(territory)s moved to the %(phase)s phase.", territory=territory.name,
                phase=transition.to_phase_label), "success")
    return redirect(url_for("rollout.territory_phase", slug=slug))


@bp.post("/territories/<slug>/phase/checks/<int:item_id>")
def check_item(slug: str, item_id: int):
    """Tick (with a note) or untick a manual gate item for the territory."""
    territory = territory_or_404(slug, "rollout.check")
    item = db.get_or_404(GateItem, item_id)
    form = CheckForm()
    if not form.validate_on_submit():
        return _phase_page(territory, check_form=form, check_item_id=item.id, status=400)
    try:
        if form.action.data == "uncheck":
            services.uncheck_item(current_user, territory, item)
            flash(_("Item unticked."), "success")
        else:
            services.check_item(current_user, territory, item, form.note.data or "")
            flash(_("Item ticked."), "success")
    except DomainError as error:
        apply_domain_error(form, error)
        return _phase_page(territory, check_form=form, check_item_id=item.id, status=400 if error.field else 409)
    return redirect(url_for("rollout.territory_phase", slug=slug) + "#gate")


# --- gate items (administrators) ---------------------------------------------------------------------

def _gates_page(new_form: NewGateItemForm | None = None, edited: tuple[int, GateItemForm] | None = None,
                status: int = 200):
    items = gate_rules.gate_items(active_only=False)
    forms = {item.id: GateItemForm(formdata=None, prefix=f"item{item.id}", label_fr=item.label_fr,
                                   label_ar=item.label_ar, label_en=item.label_en, active=item.active)
             for item in items}
    if edited is not None:
        forms[edited[0]] = edited[1]
    new_form = new_form or NewGateItemForm(formdata=None)
    new_form.rule.choices = [("", "—")] + gate_rules.rule_choices()
    by_phase = {phase: [item for item in items if item.to_phase == phase] for phase in list(PHASES)[1:]}
    return render_template("rollout/gates.html", by_phase=by_phase, forms=forms, new_form=new_form,
                           rules=gate_rules.RULES), status


@bp.route("/rollout/gates", methods=["GET", "POST"])
def gates():
    """The gate items of every phase: administrators edit labels, (de)activate, add manual
    items or automatic ones from the rules registry, and reorder them."""
    require("rollout.configure_gates")
    if request.method == "GET":
        return _gates_page()
    op = request.form.get("op")
    if op == "add":
        form = NewGateItemForm()
        form.rule.choices = [("", "—")] + gate_rules.rule_choices()
        if not form.validate_on_submit():
            return _gates_page(new_form=form, status=400)
        try:
            services.add_gate_item(current_user, form.to_phase.data, form.kind.data, form.rule.data or None,
                                   services.GateItemData(form.label_fr.data, form.label_ar.data, form.label_en.data))
        except DomainError as error:
            apply_domain_error(form, error)
            return _gates_page(new_form=form, status=400)
        flash(_("Gate item added."), "success")
    elif op in ("update", "move"):
        item = db.get_or_404(GateItem, request.form.get("item_id", type=int) or 0)
        if op == "update":
            form = GateItemForm(prefix=f"item{item.id}")
            if not form.validate_on_submit():
                return _gates_page(edited=(item.id, form), status=400)
            try:
                services.update_gate_item(current_user, item, services.GateItemData(
                    form.label_fr.data, form.label_ar.data, form.label_en.data, form.active.data))
            except DomainError as error:
                apply_domain_error(form, error)
                return _gates_page(edited=(item.id, form), status=400)
            flash(_("Gate item saved."), "success")
        else:
            form = MoveItemForm()
            if not form.validate_on_submit():
                abort(400)
            try:
                services.move_gate_item(current_user, item, form.direction.data or "")
            except DomainError as error:
                apply_domain_error(None, error)
    else:
        abort(400)
    return redirect(url_for("rollout.gates"))


# --- the programme's phase -------------------------------------------------------------------------

@bp.route("/rollout/programme", methods=["GET", "POST"])
def programme():
    """The programme's current phase with its history and the territories in each phase; the
    steering committee moves the programme to its next phase."""
    require("rollout.view")
    current = services.programme_phase()
    target = gate_rules.next_phase(current)
    form = ProgrammeForm()
    form.meeting_id.choices = _meeting_choices()
    status = 200
    if request.method == "POST":
        require("rollout.programme")
        if form.validate_on_submit():
            if form.from_phase.data != current:
                flash(_("The programme's phase changed meanwhile: it is now %(phase)s.",
                        phase=label(PHASES, current)), "warning")
                status = 409
            else:
                try:
                    services.set_programme_phase(current_user, form.to_phase.data or "", form.decision.data or "",
                                                 meeting_id=form.meeting_id.data)
                except services.PhaseConflict as conflict:
                    apply_domain_error(None, conflict)
                    current = services.programme_phase()
                    target = gate_rules.next_phase(current)
                    status = 409
                except DomainError as error:
                    apply_domain_error(form, error)
                    status = 400 if error.field else 409
                else:
                    flash(_("The programme moved to the %(phase)s phase.",
                            phase=label(PHASES, form.to_phase.data)), "success")
                    return redirect(url_for("rollout.programme"))
        else:
            status = 400
    form.from_phase.data, form.to_phase.data = current, target or ""
    return render_template("rollout/programme.html", current=current, target=target, form=form,
                           history=services.programme_history(), counts=territory_services.count_by_phase()), status


# --- replication kit --------------------------------------------------------------------------------

@bp.route("/rollout/replicate", methods=["GET", "POST"])
def replicate():
    """Start a new territory from a pilot's template: body composition as vacant seats, research
    milestones at the same offsets, adopted chantier tools; none of the pilot's data."""
    require("rollout.replicate")
    form = ReplicateForm()
    candidates = db.session.execute(db.select(Territory).order_by(Territory.name)).scalars().all()
    form.pilot_id.choices = [("", "—")] + [(t.id, f"{t.name} · {t.phase_label}") for t in candidates]
    provinces = db.session.execute(db.select(Province).order_by(Province.name_fr)).scalars().all()
    form.province_id.choices = [("", "—")] + [(p.id, p.name) for p in provinces]
    if request.method == "GET" and request.args.get("pilot", type=int):
        form.pilot_id.data = request.args.get("pilot", type=int)
    status = 200
    if form.validate_on_submit():
        pilot = db.session.get(Territory, form.pilot_id.data)
        if pilot is None:
            form.pilot_id.errors = list(form.pilot_id.errors) + [_("Choose the pilot whose template is copied.")]
            status = 400
        else:
            try:
                result = replicate_territory(current_user, pilot, ReplicationData(
                    name=form.name.data or "", slug=form.slug.data or "", province_id=form.province_id.data,
                    setting=form.setting.data or "", cohort=form.cohort.data or "", start_date=form.start_date.data))
            except DomainError as error:
                apply_domain_error(form, error)
                status = 400
            else:
                flash(_("%(territory)s created in the launch phase from the template of %(pilot)s: %(seats)d vacant "
                        "seats, %(milestones)d milestones, %(tools)d chantier tools.",
                        territory=result.territory.name, pilot=pilot.name, seats=sum(result.seats.values()),
                        milestones=result.milestones, tools=result.tools), "success")
                return redirect(url_for("rollout.territory_phase", slug=result.territory.slug))
    elif request.method == "POST":
        status = 400
    return render_template("rollout/replicate.html", form=form), status


# --- chantier tools -------------------------------------------------------------------------------

def _tools_page(form: ToolForm, manageable: list[Chantier], editing: ChantierTool | None = None, status: int = 200):
    return render_template("rollout/tools.html", groups=tool_services.tools_by_chantier(), form=form,
                           editing=editing, manageable={c.id for c in manageable}), status


def _tool_form(manageable: list[Chantier], tool: ChantierTool | None = None) -> ToolForm:
    form = ToolForm() if request.method == "POST" else ToolForm(formdata=None)
    form.chantier_id.choices = [("", "—")] + [(c.id, c.name) for c in manageable]
    territories = db.session.execute(db.select(Territory).order_by(Territory.name)).scalars().all()
    form.origin_territory_id.choices = [("", _("Not recorded"))] + [(t.id, t.name) for t in territories]
    if tool is not None and request.method == "GET":
        form.tool_id.data, form.chantier_id.data, form.title.data = tool.id, tool.chantier_id, tool.title
        form.description.data, form.origin_territory_id.data = tool.description, tool.origin_territory_id
    return form


def _adopt(op: str):
    """Adopt or give up a tool for a territory (steering), back to the territory's phase page
    (shown at once with the reason, answered 409, when the adoption was already made or undone)."""
    territory = db.get_or_404(Territory, request.form.get("territory_id", type=int) or 0)
    require("rollout.transition", territory)
    form = AdoptForm()
    form.tool_id.choices = []
    target = url_for("rollout.territory_phase", slug=territory.slug) + "#tools"
    if not form.validate_on_submit():
        flash(_("Choose a tool."), "danger")
        return redirect(target)
    tool = db.get_or_404(ChantierTool, form.tool_id.data)
    try:
        if op == "unadopt":
            tool_services.unadopt(current_user, territory, tool)
            flash(_("%(territory)s no longer uses “%(tool)s”.", territory=territory.name, tool=tool.title), "success")
        else:
            tool_services.adopt(current_user, territory, tool)
            flash(_("%(territory)s now uses “%(tool)s”.", territory=territory.name, tool=tool.title), "success")
    except DomainError as error:
        apply_domain_error(None, error)
        return _phase_page(territory, status=409)
    return redirect(target)


@bp.route("/rollout/tools", methods=["GET", "POST"])
def tools():
    """The chantiers' tools with their origin and adoptions; steering members and each chantier's
    leads add and edit the tools of their chantiers; steering records adoptions."""
    chantiers = db.session.execute(db.select(Chantier).order_by(Chantier.position)).scalars().all()
    manageable = [c for c in chantiers if can(current_user, "tool.manage", c)]
    op = request.form.get("op") if request.method == "POST" else None
    if op in ("adopt", "unadopt"):
        return _adopt(op)
    if not (can(current_user, "rollout.view") or manageable):
        abort(403)
    editing = None
    edit_id = request.form.get("tool_id", type=int) if request.method == "POST" else request.args.get("edit", type=int)
    if edit_id:
        editing = db.get_or_404(ChantierTool, edit_id)
        require("tool.manage", db.session.get(Chantier, editing.chantier_id))
    form = _tool_form(manageable, editing)
    if request.method == "GET":
        return _tools_page(form, manageable, editing)
    if op not in ("add", "edit"):
        abort(400)
    if not form.validate_on_submit():
        return _tools_page(form, manageable, editing, 400)
    chantier = db.session.get(Chantier, form.chantier_id.data)
    if chantier is None:
        form.chantier_id.errors = list(form.chantier_id.errors) + [_("Choose the chantier that produces the tool.")]
        return _tools_page(form, manageable, editing, 400)
    require("tool.manage", chantier)
    data = tool_services.ToolData(chantier_id=chantier.id, title=form.title.data or "",
                                  description=form.description.data or "",
                                  origin_territory_id=form.origin_territory_id.data)
    try:
        if editing is not None:
            tool_services.update_tool(current_user, editing, data)
            flash(_("Tool saved."), "success")
        else:
            tool_services.create_tool(current_user, data)
            flash(_("Tool added."), "success")
    except DomainError as error:
        apply_domain_error(form, error)
        return _tools_page(form, manageable, editing, 400)
    return redirect(url_for("rollout.tools"))
