"""Participatory evaluation pages (a territory's entries by period, one entry, writing and editing
one with a 409 page when someone saved meanwhile) and the pilot-versus-comparison page of an
indicator."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from najma.auth.models import User
from najma.errors import DomainError
from najma.extensions import db
from najma.form_errors import apply_domain_error
from najma.indicators import comparison as comparisons
from najma.indicators import evaluation as services
from najma.indicators import periods
from najma.indicators.blueprint import bp, territory_or_404
from najma.indicators.evaluation import EvaluationConflict, EvaluationData
from najma.indicators.evaluation_forms import ComparisonForm, EvaluationForm
from najma.indicators.models import EvaluationEntry, Indicator
from najma.permissions import require
from najma.territories.models import Territory
from najma.vocab import AREAS, SEXES


def _entry_or_404(entry_id: int, action: str) -> tuple[EvaluationEntry, Territory]:
    """The entry with its links (404) and its territory, if the user may ``action`` there (403)."""
    entry = services.load_entry(entry_id)
    if entry is None:
        abort(404)
    territory = db.session.get(Territory, entry.territory_id)
    require(action, territory)
    return entry, territory


def _form(territory: Territory, entry: EvaluationEntry | None = None) -> tuple[EvaluationForm, dict]:
    """The entry form with its choices (filled from ``entry`` on GET) and what the template lays out:
    the indicators and notes to choose from, and how many linked notes stay hidden from this editor."""
    form = EvaluationForm()
    indicators = services.indicator_choices()
    if entry is not None:  # an indicator set inactive since stays choosable on the entries that link it
        indicators += [indicator for indicator in entry.indicators if indicator not in indicators]
    notes = services.linkable_notes(current_user, territory)
    hidden = services.hidden_note_ids(entry, current_user) if entry is not None else set()
    recent = periods.recent()
    if entry is not None and entry.period not in recent:
        recent.insert(0, entry.period)
    form.period.choices = [("", "—")] + [(code, code) for code in recent]
    form.indicator_ids.choices = [(indicator.id, f"{indicator.code} · {indicator.name}") for indicator in indicators]
    form.note_ids.choices = [(note.id, note.title) for note in notes]
    if request.method == "GET":
        if entry is not None:
            form.period.data, form.title.data = entry.period, entry.title
            form.what_changed.data, form.for_whom.data = entry.what_changed, entry.for_whom
            form.participants_said.data = entry.participants_said
            form.indicator_ids.data = [indicator.id for indicator in entry.indicators]
            form.note_ids.data = [note.id for note in entry.notes if note.id not in hidden]
            form.lock_version.data = entry.lock_version
        else:
            form.period.data = request.args.get("period") or periods.current("half")
            form.indicator_ids.data = request.args.getlist("indicator", type=int)
    return form, {"notes": notes, "hidden_notes": len(hidden), "selected_notes": set(form.note_ids.data or []),
                  "selected_indicators": set(form.indicator_ids.data or [])}


def _data(form: EvaluationForm) -> EvaluationData:
    return EvaluationData(period=form.period.data or "", title=form.title.data or "",
                          what_changed=form.what_changed.data or "", for_whom=form.for_whom.data or "",
                          participants_said=form.participants_said.data or "",
                          indicator_ids=list(form.indicator_ids.data or []), note_ids=list(form.note_ids.data or []))


def _form_page(form, territory, choices, entry=None, conflict=None, status=200):
    return render_template("indicators/evaluation_form.html", form=form, territory=territory, entry=entry,
                           conflict=conflict, **choices), status


# --- a territory's evaluation -----------------------------------------------------------------------

@bp.get("/territories/<slug>/evaluation")
def evaluations(slug: str):
    """The territory's participatory evaluation entries, by period (latest first), filtered by period."""
    territory = territory_or_404(slug, "evaluation.view")
    all_periods = services.territory_periods(territory)
    period = request.args.get("period", "")
    period = period if period in all_periods else ""
    items = services.territory_entries(territory, period or None)
    by_period: dict[str, list] = {}
    for item in items:
        by_period.setdefault(item.entry.period, []).append(item)
    return render_template("indicators/evaluations.html", territory=territory, period=period,
                           periods=all_periods, by_period=by_period)


@bp.route("/territories/<slug>/evaluation/new", methods=["GET", "POST"])
def new_evaluation(slug: str):
    """Write a participatory evaluation entry: what changed, for whom, what the participants said."""
    territory = territory_or_404(slug, "evaluation.write")
    form, choices = _form(territory)
    preview = request.method == "POST" and "preview" in request.form
    refused = False
    if not preview and form.validate_on_submit():
        try:
            entry = services.create_entry(current_user, territory, _data(form))
        except DomainError as error:
            apply_domain_error(form, error)
            refused = True
        else:
            flash(_("Evaluation entry saved."), "success")
            return redirect(url_for("indicators.evaluation", entry_id=entry.id))
    return _form_page(form, territory, choices, status=400 if form.errors or refused else 200)


# --- one entry --------------------------------------------------------------------------------------

@bp.get("/evaluation/<int:entry_id>")
def evaluation(entry_id: int):
    """The entry: its texts (Markdown, sanitised), its indicators, the linked notes the reader may
    read, and its history."""
    entry, territory = _entry_or_404(entry_id, "evaluation.view")
    author = db.session.get(User, entry.author_id) if entry.author_id else None
    return render_template("indicators/evaluation.html", entry=entry, territory=territory, author=author,
                           notes=services.notes_for(entry, current_user), history=services.entry_history(entry))


@bp.route("/evaluation/<int:entry_id>/edit", methods=["GET", "POST"])
def edit_evaluation(entry_id: int):
    """Edit an entry; a save based on an older version gets a 409 page keeping what was typed."""
    entry, territory = _entry_or_404(entry_id, "evaluation.write")
    form, choices = _form(territory, entry)
    preview = request.method == "POST" and "preview" in request.form
    status = 200
    if not preview and form.validate_on_submit():
        try:
            base = int(form.lock_version.data or 0)
        except ValueError:
            base = 0
        try:
            services.update_entry(current_user, entry, _data(form), base)
        except EvaluationConflict as conflict:
            form.lock_version.data = conflict.current_version
            return _form_page(form, territory, choices, entry, conflict=conflict, status=409)
        except DomainError as error:
            apply_domain_error(form, error)
            status = 400
        else:
            flash(_("Evaluation entry saved."), "success")
            return redirect(url_for("indicators.evaluation", entry_id=entry_id))
    return _form_page(form, territory, choices, entry, status=400 if form.errors else status)


# --- pilot versus comparison ------------------------------------------------------------------------

@bp.get("/indicators/<code>/comparison")
def comparison(code: str):
    """The pilot territories' change of an indicator against similar non-pilot places, with the caveats."""
    require("indicator.view")
    indicator = db.session.execute(db.select(Indicator).where(Indicator.code == code)).scalar_one_or_none()
    if indicator is None:
        abort(404)
    form = ComparisonForm(request.args)
    form.validate()
    size = form.size.data if not form.size.errors and form.size.data else comparisons.DEFAULT_SIZE
    view = comparisons.compare(indicator, size=size, start=request.args.get("start"), end=request.args.get("end"),
                               sex=request.args.get("sex"), area=request.args.get("area"))
    form.size.errors = list(form.size.errors)[:1]  # "not a number" says it all; no range message on top
    form.size.raw_data, form.size.data = [str(view.size)], view.size
    form.start.choices = [(p, p) for p in view.period_choices]
    form.end.choices = [(p, p) for p in view.period_choices]
    form.start.data, form.end.data = view.start, view.end
    disaggregations = set(indicator.disaggregations or ()) if view.kind == "census" else set()
    return render_template("indicators/comparison.html", indicator=indicator, view=view, form=form,
                           sexes=SEXES if "sex" in disaggregations else {},
                           areas=AREAS if "area" in disaggregations else {})
