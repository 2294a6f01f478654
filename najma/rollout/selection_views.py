"""Choosing the next territories: candidate communes scored by the committee's weights, communes
similar to the pilots, and the provinces' coverage (steering, evaluators, administrators).

Anyone who may see these pages may try other weights (sent by GET, never saved); steering
members save them for everyone, and record the staff qualification scores the census cannot give.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from najma.errors import DomainError
from najma.form_errors import apply_domain_error
from najma.permissions import require
from najma.rollout import scoring
from najma.rollout.blueprint import bp
from najma.rollout.selection_forms import (CandidateFilterForm, ManualScoreForm, SimilarFilterForm, WeightsForm,
                                           weight_fields)

#: Candidates listed per page.
PER_PAGE = 50

#: The query-string keys of the candidates page: its filters, the page and the weights tried.
FILTER_KEYS = ("setting", "region_id", "province_id", "territories")


def _known(args, *, weights: bool = True, page: bool = True) -> dict[str, str]:
    """The candidates page's own, non-empty query values in ``args`` (anything else a request
    carries is dropped, so that it never reaches ``url_for``)."""
    keys = FILTER_KEYS + (tuple(scoring.CRITERIA) if weights else ()) + (("page",) if page else ())
    return {key: args.get(key) for key in keys if args.get(key) not in (None, "")}


def _candidates_url(kept: dict[str, str]) -> str:
    """The candidates page with ``kept`` as its query string."""
    url = url_for("rollout.candidates")
    return f"{url}?{urlencode(kept)}" if kept else url


@dataclass
class _Pages:
    """The minimum of a Flask-SQLAlchemy pagination the ``pagination`` macro uses."""

    page: int
    pages: int

    def iter_pages(self, left_edge=2, left_current=2, right_current=4, right_edge=2):
        last = 0
        for number in range(1, self.pages + 1):
            if (number <= left_edge or number > self.pages - right_edge
                    or self.page - left_current - 1 < number < self.page + right_current):
                if last + 1 != number:
                    yield None
                yield number
                last = number


def _setting_choices() -> list[tuple[str, str]]:
    return [("", _("All settings")), ("urban", _("Urban (municipalities)")), ("rural", _("Rural communes"))]


def _weights_of(form: WeightsForm) -> dict[str, float]:
    return {key: form[key].data for key in scoring.CRITERIA}


def _render_candidates(args: MultiDict, *, saving: WeightsForm | None = None,
                       manual_form: ManualScoreForm | None = None, status: int = 200):
    """The candidates page for the weights and filters in ``args`` (the saved weights when none are given)."""
    saved = scoring.saved_weights()
    trying = saving is None and any(key in args for key in scoring.CRITERIA)
    weights_form = saving or WeightsForm(formdata=args if trying else None, meta={"csrf": False}, data=saved)
    weights, weights_error = saved, None
    if saving is not None:
        weights_error = next((e for f in weight_fields(saving) for e in f.errors), None)
    elif trying:
        if weights_form.validate():
            try:
                weights = scoring.check_weights(_weights_of(weights_form))
            except DomainError as error:
                weights_error = str(error.message)
        else:
            weights_error = _("These weights are not valid; the ranking uses the saved weights.")
        if weights_error:
            weights, status = saved, 400

    matrix = scoring.matrix()
    filters = CandidateFilterForm(formdata=args)
    filters.setting.choices = _setting_choices()
    filters.region_id.choices = [("", _("All regions"))] + scoring.region_choices(matrix)
    filters.province_id.choices = [("", _("All provinces"))] + scoring.province_choices(matrix)
    filters.validate()
    hide = filters.territories.data != "show"
    manual = scoring.manual_scores()
    ranked = scoring.score_communes(
        weights, {commune_id: entry.score for commune_id, entry in manual.items()},
        setting=filters.setting.data or None,
        region_id=filters.region_id.data if (filters.region_id.data or 0) > 0 else None,
        province_id=filters.province_id.data if (filters.province_id.data or 0) > 0 else None,
        hide_in_territory=hide)
    pages = max(1, -(-len(ranked) // PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    rows = ranked[(page - 1) * PER_PAGE: page * PER_PAGE]
    kept = _known(args, page=False)
    return render_template(
        "rollout/candidates.html", weights_form=weights_form, fields=weight_fields(weights_form), filters=filters,
        rows=rows, total=len(ranked), pages=_Pages(page, pages), args=kept, query=urlencode(kept),
        weights=weights, saved=saved, trying=trying and not weights_error, weights_error=weights_error,
        criteria=scoring.CRITERIA, keys=[key for key in scoring.CRITERIA if weights.get(key, 0) > 0],
        manual=manual, manual_form=manual_form, manual_max=scoring.MANUAL_MAX,
        default_weights=scoring.DEFAULT_WEIGHTS, census=scoring.SELECTION_CENSUS,
        loaded=len(matrix.codes), small_population=scoring.SMALL_POPULATION), status


@bp.route("/rollout/candidates", methods=["GET", "POST"])
def candidates():
    """The weights form and the communes ranked by them; POST (steering) saves the weights."""
    require("selection.view")
    if request.method == "GET":
        return _render_candidates(request.args)
    require("selection.edit")
    form = WeightsForm()
    back = MultiDict(parse_qsl(request.form.get("back", "")))
    if form.validate():
        try:
            scoring.save_weights(current_user, _weights_of(form))
        except DomainError as error:
            apply_domain_error(form, error)
            return _render_candidates(back, saving=form, status=400)
        flash(_("Weights saved: every steering member now sees this ranking."), "success")
        return redirect(_candidates_url(_known(back, weights=False, page=False)))
    return _render_candidates(back, saving=form, status=400)


@bp.post("/rollout/candidates/manual")
def manual_score():
    """Record a commune's staff qualification score (steering), then come back to the same list."""
    require("selection.edit")
    form = ManualScoreForm()
    back = MultiDict(parse_qsl(form.back.data or ""))
    if form.validate():
        try:
            entry = scoring.set_manual_score(current_user, form.commune_id.data, form.score.data, form.note.data or "")
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Staff qualification saved: %(score)d out of %(max)d.", score=entry.score,
                    max=scoring.MANUAL_MAX), "success")
            return redirect(_candidates_url(_known(back)))
    return _render_candidates(back, manual_form=form, status=400)


@bp.get("/rollout/similar")
def similar():
    """Candidate communes ranked by similarity to the pilots on the census indicators."""
    require("selection.view")
    form = SimilarFilterForm(formdata=request.args)
    form.setting.choices = _setting_choices()
    valid = form.validate()
    limit = form.limit.data if valid and form.limit.data in (25, 50, 100, 250) else 50
    matrix = scoring.matrix()
    found = scoring.pilots(matrix)
    rows = scoring.similar_to_pilots(limit, same_region=bool(form.same_region.data),
                                     setting=form.setting.data or None, found=found)
    return render_template("rollout/similar.html", form=form, pilots=found, rows=rows, rule=scoring.pilot_rule(),
                           keys=scoring.CENSUS_KEYS, criteria=scoring.CRITERIA,
                           census=scoring.SELECTION_CENSUS,
                           small_population=scoring.SMALL_POPULATION), 200 if valid else 400


@bp.get("/rollout/coverage")
def coverage():
    """The provinces with and without a territory, grouped by region."""
    require("selection.view")
    return render_template("rollout/coverage.html", view=scoring.coverage())
