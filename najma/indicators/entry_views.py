"""Entry and approval of indicator values: a territory's indicators, the entry form per period and
kind, the validation (provincial delegate) and approval (steering committee) lists, a value's
versions and history, sending a value back, and the correction form."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from najma.errors import DomainError
from najma.extensions import db
from najma.form_errors import MAX_ID, apply_domain_error
from najma.indicators import entry as services
from najma.indicators import periods
from najma.indicators.blueprint import bp, territory_or_404
from najma.indicators.computed import compute
from najma.indicators.entry_forms import (ApproveForm, CorrectionForm, EntryForm, FormRow, PeriodForm, ReturnForm,
                                          ValidateForm, fill_typed, period_choices, plain_number, row_entries,
                                          stale_locked_rows)
from najma.indicators.models import Indicator, IndicatorValue
from najma.permissions import can, require
from najma.territories.models import Territory
from najma.vocab import VALUE_KINDS, label

#: Where the validation, approval and return forms come back to after a refusal.
BACK_PAGES = ("territory", "pending", "value")


# --- the territory's indicators ------------------------------------------------------------------

def _territory_page(place: Territory, status: int = 200):
    page = services.territory_indicators(place, current_user)
    return render_template("indicators/territory.html", territory=place, page=page,
                           can_enter=can(current_user, "indicator.enter", place),
                           can_validate=can(current_user, "indicator.validate", place),
                           validate_form=ValidateForm(formdata=None)), status


@bp.get("/territories/<slug>/indicators")
def territory(slug: str):
    """The territory's indicators: per indicator and breakdown, the latest baseline and target and
    the measures of the last periods, with their approval status (values not yet approved only for
    the antenna, the delegate and the steering committee), and what awaits the delegate."""
    place = territory_or_404(slug, "indicator.view")
    return _territory_page(place)


# --- the entry form ------------------------------------------------------------------------------

def _rows(place: Territory, period: str, kind: str) -> list[FormRow]:
    """The entry form's rows for ``period`` and ``kind``, with the current values; fixed queries."""
    indicators = services.entry_indicators(kind)
    groups = services.target_groups()
    current = services.slot_values(place, period, kind) if period else {}
    rows = []
    for indicator in indicators:
        for breakdown in services.breakdowns(indicator, groups):
            slot = services.slot_of(indicator.id, place.id, None, period, kind, breakdown.sex,
                                    breakdown.target_group_id, breakdown.area)
            rows.append(FormRow(indicator, breakdown, current.get(slot)))
    return rows


def _fill_computed(place: Territory, period: str, rows: list[FormRow]) -> str | None:
    """Fill the rows of computed indicators from the platform's records (what was typed elsewhere is
    kept); returns the date the figures stand at, or raises DomainError."""
    by_indicator: dict[int, list[FormRow]] = {}
    for row in rows:
        if row.indicator.source == "computed" and not row.locked:
            by_indicator.setdefault(row.indicator.id, []).append(row)
    as_of = None
    for indicator_rows in by_indicator.values():
        computation = compute(indicator_rows[0].indicator, place, period)
        as_of = computation.as_of
        for figure in computation.rows:
            key = services.breakdown_key(figure.sex, figure.target_group_id, figure.area)
            row = next((r for r in indicator_rows if r.breakdown.key == key), None)
            if row is None or figure.value is None:
                continue
            row.typed.update({
                "value": plain_number(figure.value),
                "numerator": plain_number(figure.numerator) if (row.takes_counts and figure.numerator is not None) else "",
                "denominator": (plain_number(figure.denominator)
                                if (row.takes_counts and figure.denominator is not None) else ""),
                "source_text": str(figure.source_text or "")[:services.MAX_SOURCE] or row.typed.get("source_text", ""),
            })
    return format_date(as_of) if as_of else None


@bp.route("/territories/<slug>/indicators/enter", methods=["GET", "POST"])
def enter(slug: str):
    """The antenna's entry form for a period and a kind of value (baseline, target, measure): one
    row per indicator and breakdown, saved all or nothing; values far from the previous ones ask
    for confirmation; "compute" fills the computed indicators from the platform's records."""
    place = territory_or_404(slug, "indicator.enter")
    form = EntryForm()
    if request.method == "POST":
        kind, period = (form.kind.data or "").strip(), (form.period.data or "").strip()
    else:
        kind = request.args.get("kind", "measure")
        period = request.args.get("period") or periods.current("year")
    if kind not in VALUE_KINDS:
        abort(400)
    try:
        period = periods.parse(period).code
    except DomainError:
        period_ok = False
    else:
        period_ok = True
    chooser = PeriodForm(formdata=None, kind=kind, period=period)
    chooser.period.choices = period_choices(kind)
    if period_ok and period not in {code for code, _name in chooser.period.choices}:
        chooser.period.choices.insert(0, (period, period))
    rows = _rows(place, period if period_ok else "", kind)
    form.kind.data, form.period.data = kind, period
    status, asking = 200, False
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        fill_typed(rows, request.form)
        if "compute" in request.form:
            try:
                as_of = _fill_computed(place, period, rows)
            except DomainError as error:
                db.session.rollback()
                flash(str(error.message), "danger")
                status = 400
            else:
                if as_of:
                    flash(_("The computed indicators are filled from the platform's records as of %(date)s: "
                            "check them, then save.", date=as_of), "info")
            form.confirm.data = False
        elif stale_locked_rows(rows, request.form):
            # Validated or approved since the form was opened, with other figures typed in: refuse
            # the whole save (all or nothing) and show what was typed beside what is now locked.
            flash(_("A value was validated or approved while you were working on it: it is locked now. Nothing "
                    "was saved; what you typed is kept below beside the locked figure. To change a locked "
                    "value, correct it from its page; then save the others again."), "warning")
            status = 409
        else:
            try:
                written = services.enter_values(current_user, place, period, row_entries(rows, kind),
                                                confirm=bool(form.confirm.data))
            except services.EntryRefused as error:
                db.session.rollback()
                for row in rows:
                    row.errors = error.errors.get(row.key, {})
                flash(str(error.message), "danger")
                status = 400
            except services.NeedsConfirmation as error:
                db.session.rollback()
                for row in rows:
                    row.warning = error.warnings.get(row.key)
                flash(str(error.message), "warning")
                asking, form.confirm.data = True, False
            except services.ValueConflict as error:
                db.session.rollback()
                fresh = {row.key: row for row in _rows(place, period, kind)}
                for row in rows:
                    row.conflict = row.key in error.keys
                    row.current = fresh[row.key].current
                    row.typed["base"] = str(row.current.id) if row.current is not None else "0"
                flash(str(error.message), "warning")
                status = 409
            except DomainError as error:
                apply_domain_error(None, error)
                status = 400
            else:
                flash(ngettext("%(num)d value saved: the provincial delegate can now validate it.",
                               "%(num)d values saved: the provincial delegate can now validate them.", len(written))
                      if written else _("Nothing changed."), "success" if written else "info")
                return redirect(url_for("indicators.territory", slug=place.slug))
    return render_template("indicators/enter.html", territory=place, form=form, chooser=chooser, rows=rows,
                           kind=kind, kind_label=label(VALUE_KINDS, kind), period=period, asking=asking,
                           returned=services.returned_reasons(r.current.id for r in rows
                                                              if r.current is not None and not r.locked),
                           computable=any(r.indicator.source == "computed" for r in rows)), status


# --- validation, approval, return ----------------------------------------------------------------

def _back_page(status: int, *, place: Territory | None = None, value: IndicatorValue | None = None):
    """After a refused step: the page the form came from, with the message, and ``status``."""
    back = request.form.get("back", "")
    if back == "value" and value is not None:
        return _value_page(value, status)
    if back == "pending" or place is None:
        return _pending_page(status)
    return _territory_page(place, status)


def _step_refused(error: DomainError) -> int:
    db.session.rollback()
    flash(str(error.message), "danger" if not isinstance(error, services.ValueConflict) else "warning")
    return 409 if isinstance(error, services.ValueConflict) else 400


def _posted_value(ids: list[str], place: Territory | None = None) -> IndicatorValue | None:
    """The one value a refused step was about, to show its page again: only a value the reader may
    see (and, with ``place``, of that territory); ``None`` for anything else, so a refusal never
    shows what the reader could not open."""
    if len(ids) != 1 or not (ids[0].isascii() and ids[0].isdigit()) or int(ids[0]) > MAX_ID:
        return None
    value = db.session.get(IndicatorValue, int(ids[0]))
    if value is None or value.territory_id is None or (place is not None and value.territory_id != place.id):
        return None
    owner = place or db.session.get(Territory, value.territory_id)
    return value if value.status in services.visible_statuses(current_user, owner) else None


def _redirect_back(place_slug: str | None = None, value_id: int | None = None):
    back = request.form.get("back", "")
    if back == "value" and value_id is not None:
        return redirect(url_for("indicators.value", value_id=value_id))
    if back == "pending" or place_slug is None:
        return redirect(url_for("indicators.pending"))
    return redirect(url_for("indicators.territory", slug=place_slug))


@bp.post("/territories/<slug>/indicators/validate")
def validate(slug: str):
    """The provincial delegate validates the ticked entered values of the territory."""
    place = territory_or_404(slug, "indicator.validate")
    form = ValidateForm()
    if not form.validate_on_submit():
        abort(400)
    ids = request.form.getlist("value_id")
    try:
        count = services.validate_values(current_user, place, form.period.data or None, ids)
    except DomainError as error:
        return _back_page(_step_refused(error), place=place, value=_posted_value(ids, place))
    flash(ngettext("%(num)d value validated: it now awaits the steering committee's approval.",
                   "%(num)d values validated: they now await the steering committee's approval.", count),
          "success")
    return _redirect_back(place.slug, int(ids[0]) if len(ids) == 1 else None)


@bp.post("/indicator-values/approve")
def approve():
    """The steering committee approves the ticked validated values (they are then locked)."""
    require("indicator.approve")
    if not ApproveForm().validate_on_submit():
        abort(400)
    ids = request.form.getlist("value_id")
    try:
        count = services.approve_values(current_user, ids)
    except DomainError as error:
        return _back_page(_step_refused(error), value=_posted_value(ids))
    flash(ngettext("%(num)d value approved and locked.", "%(num)d values approved and locked.", count), "success")
    return _redirect_back(None, int(ids[0]) if len(ids) == 1 else None)


def _pending_page(status: int = 200):
    values = services.pending_values(current_user)
    territory_ids = {v.territory_id for v in values}
    territories = {t.id: t for t in db.session.execute(
        db.select(Territory).where(Territory.id.in_(territory_ids))).scalars()} if territory_ids else {}
    approval: dict[int, list[IndicatorValue]] = {}
    validation: dict[int, list[IndicatorValue]] = {}
    for value in values:
        (approval if value.status == "validated" else validation).setdefault(value.territory_id, []).append(value)
    names = {g.id: g.name for g in services.target_groups()} if any(v.target_group_id for v in values) else {}
    return render_template("indicators/pending.html", approval=approval, validation=validation,
                           territories=territories, names=names,
                           can_approve=can(current_user, "indicator.approve"),
                           validate_form=ValidateForm(formdata=None), approve_form=ApproveForm(formdata=None),
                           breakdown=services.breakdown_text), status


@bp.get("/indicator-values/pending")
def pending():
    """The values awaiting the reader's step: validated values of every territory for the steering
    committee; entered values of their territories for a provincial delegate."""
    require("indicator.decide")
    return _pending_page()


@bp.post("/indicator-values/<int:value_id>/return")
def return_value(value_id: int):
    """Send a value back to the antenna with a reason (the delegate, or the steering committee for a
    validated value)."""
    value = db.get_or_404(IndicatorValue, value_id)
    place = db.session.get(Territory, value.territory_id) if value.territory_id is not None else None
    if place is None or not (can(current_user, "indicator.validate", place) or can(current_user, "indicator.approve")):
        abort(403)
    form = ReturnForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_("Say why the value is sent back."), "danger")
        return _back_page(400, place=place, value=value)
    try:
        services.return_value(current_user, value_id, form.reason.data)
    except DomainError as error:
        return _back_page(_step_refused(error), place=place, value=value)
    flash(_("The value is sent back to the antenna with your reason."), "success")
    return _redirect_back(place.slug, value_id)


# --- a value and its correction ------------------------------------------------------------------

def _visible_value_or_404(value_id: int) -> tuple[IndicatorValue, Territory | None]:
    """The value if the reader may see it: approved values to indicator readers, the others only
    with ``indicator.view_pending`` (404 for everyone else, so their existence stays private)."""
    value = db.get_or_404(IndicatorValue, value_id)
    require("indicator.view")
    place = db.session.get(Territory, value.territory_id) if value.territory_id is not None else None
    if value.status not in services.visible_statuses(current_user, place):
        abort(404)
    return value, place


def _value_page(value: IndicatorValue, status: int = 200):
    place = db.session.get(Territory, value.territory_id) if value.territory_id is not None else None
    indicator = db.session.get(Indicator, value.indicator_id)
    statuses = services.visible_statuses(current_user, place)
    versions = [v for v in services.versions_of(value) if v.status in statuses]
    history = services.history_of(versions)
    names = {g.id: g.name for g in services.target_groups()} if value.target_group_id else {}
    from najma.auth.models import User

    people_ids = {i for v in versions for i in (v.entered_by_id, v.validated_by_id, v.approved_by_id) if i}
    people_ids |= {event.actor_id for event in history if event.actor_id}
    people = {u.id: u for u in db.session.execute(db.select(User).where(User.id.in_(people_ids))).scalars()} \
        if people_ids else {}
    return render_template(
        "indicators/value.html", value=value, indicator=indicator, territory=place, versions=versions,
        sees_pending=set(statuses) != {"approved"},
        history=history, people=people, change_text=services.change_text, breakdown=services.breakdown_text(value, names),
        can_validate=(value.is_current and value.status == "entered" and place is not None
                      and can(current_user, "indicator.validate", place)),
        can_approve=value.is_current and value.status == "validated" and can(current_user, "indicator.approve"),
        can_return=services.can_return(current_user, value, place),
        can_correct=value.is_current and place is not None and can(current_user, "indicator.correct", place),
        validate_form=ValidateForm(formdata=None), approve_form=ApproveForm(formdata=None),
        return_form=ReturnForm(formdata=None)), status


@bp.get("/indicator-values/<int:value_id>")
def value(value_id: int):
    """A value with every version of its slot, the reasons of its corrections and its audit history."""
    item, _place = _visible_value_or_404(value_id)
    return _value_page(item)


@bp.route("/indicator-values/<int:value_id>/correct", methods=["GET", "POST"])
def correct(value_id: int):
    """Correct a value (the antenna or the delegate, with a reason): a new version replaces it and
    goes through validation again; a correction based on a version no longer current gets a 409
    page keeping what was typed."""
    item = db.get_or_404(IndicatorValue, value_id)
    place = db.session.get(Territory, item.territory_id) if item.territory_id is not None else None
    if place is None:
        abort(404)
    require("indicator.correct", place)
    indicator = db.session.get(Indicator, item.indicator_id)
    form = CorrectionForm()
    if request.method == "GET":
        if not item.is_current:
            newer = services.current_version(item.slot)
            if newer is not None:
                flash(_("This version was replaced; here is the current one."), "info")
                return redirect(url_for("indicators.correct", value_id=newer.id))
        for name in ("value", "numerator", "denominator"):
            raw = getattr(item, name)
            getattr(form, name).data = plain_number(raw) if raw is not None else ""
        form.source_text.data, form.note.data = item.source_text, item.note
    status, conflict = 200, None
    if form.validate_on_submit():
        try:
            corrected = services.correct_value(
                current_user, value_id, form.value.data, form.reason.data, numerator=form.numerator.data,
                denominator=form.denominator.data, source_text=form.source_text.data or "", note=form.note.data or "")
        except services.ValueConflict as error:
            db.session.rollback()
            conflict = error.current
            flash(str(error.message), "warning")
            status = 409
        except DomainError as error:
            apply_domain_error(form, error)
            status = 400
        else:
            flash(_("Correction saved as version %(n)d: it goes through validation and approval again.",
                    n=corrected.version), "success")
            return redirect(url_for("indicators.value", value_id=corrected.id))
    elif form.errors:
        status = 400
    names = {g.id: g.name for g in services.target_groups()} if item.target_group_id else {}
    return render_template("indicators/correct.html", value=item, indicator=indicator, territory=place, form=form,
                           conflict=conflict, breakdown=services.breakdown_text(item, names)), status
