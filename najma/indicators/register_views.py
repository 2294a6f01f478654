"""The indicator register's pages: the list with its filters, one indicator (definition, source,
aggregation rule, the nation's, provinces' and territories' latest figures, the charts), and the
steering committee's forms to create and edit indicators."""
from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from najma.errors import DomainError
from najma.extensions import db
from najma.form_errors import apply_domain_error
from najma.indicators import services
from najma.indicators.blueprint import bp
from najma.indicators.models import Indicator
from najma.indicators.register_forms import IndicatorForm
from najma.indicators.services import IndicatorConflict, IndicatorData
from najma.permissions import require
from najma.vocab import INDICATOR_LEVELS, INDICATOR_SOURCES

_ACTIVE_FILTERS = {"1": True, "0": False}


def indicator_or_404(code: str) -> Indicator:
    """The indicator with ``code`` (404)."""
    indicator = services.get_by_code(code)
    if indicator is None:
        abort(404)
    return indicator


@bp.get("/indicators")
def index():
    """The register: every indicator with its source, unit and rule, filtered by source, level and
    whether active, with its latest national measure."""
    require("indicator.view")
    source = request.args.get("source", "")
    source = source if source in INDICATOR_SOURCES else ""
    level = request.args.get("level", "")
    level = level if level in INDICATOR_LEVELS else ""
    active = request.args.get("active", "1")
    active = active if active in _ACTIVE_FILTERS else ""
    indicators = services.list_indicators(source=source or None, level=level or None,
                                          active=_ACTIVE_FILTERS.get(active))
    latest = services.national_latest(indicators, services.pending_scope(current_user))
    return render_template("indicators/index.html", indicators=indicators, latest=latest,
                           filters={"source": source, "level": level, "active": active})


def _charts(indicator: Indicator):
    """The charts' context from helper J's module, when it is there."""
    try:
        from najma.indicators import charts
    except ImportError:
        return None
    page_charts = getattr(charts, "page_charts", None)
    return page_charts(indicator, None) if page_charts else None


@bp.get("/indicators/<code>")
def indicator(code: str):
    """One indicator: its definition and rule, the nation's and each province's latest baseline,
    target and measure, the territories' table and the charts."""
    require("indicator.view")
    indicator = indicator_or_404(code)
    scope = services.pending_scope(current_user)
    page = request.args.get("page", 1, type=int) or 1
    return render_template("indicators/indicator.html", indicator=indicator,
                           overview=services.overview(indicator, scope, page), pending_all=scope is True,
                           source_key_label=services.source_key_label(indicator),
                           rule=services.aggregation_sentence(indicator), charts=_charts(indicator))


def _form(indicator: Indicator | None = None) -> IndicatorForm:
    form = IndicatorForm(obj=indicator) if indicator is not None else IndicatorForm()
    form.source_key.choices = [("", _("None (entered by hand)"))] + services.source_key_choices()
    if indicator is not None and request.method == "GET":
        form.source_key.data = indicator.source_key or ""
        form.updated.data = indicator.updated_at.isoformat() if indicator.updated_at else ""
    return form


def _data(form: IndicatorForm) -> IndicatorData:
    return IndicatorData(
        code=form.code.data or "", name_fr=form.name_fr.data or "", name_ar=form.name_ar.data or "",
        name_en=form.name_en.data or "", definition=form.definition.data or "",
        definition_ar=form.definition_ar.data or "", definition_en=form.definition_en.data or "", unit=form.unit.data,
        direction=form.direction.data, level=form.level.data, disaggregations=list(form.disaggregations.data or []),
        source=form.source.data, source_key=form.source_key.data or None, aggregation=form.aggregation.data,
        decimals=form.decimals.data if form.decimals.data is not None else 1, max_value=form.max_value.data,
        position=form.position.data or 0, active=bool(form.active.data))


def _seen(form: IndicatorForm) -> datetime | None:
    try:
        return datetime.fromisoformat(form.updated.data) if form.updated.data else None
    except ValueError:
        return None


def _form_page(form: IndicatorForm, indicator: Indicator | None = None, conflict=None, status: int = 200):
    return render_template("indicators/indicator_form.html", form=form, indicator=indicator,
                           conflict=conflict), status


@bp.route("/indicators/new", methods=["GET", "POST"])
def new_indicator():
    """Add an indicator to the register (steering committee)."""
    require("indicator.manage")
    form = _form()
    refused = False
    if form.validate_on_submit():
        try:
            created = services.create_indicator(current_user, _data(form))
        except DomainError as error:
            apply_domain_error(form, error)
            refused = True
        else:
            flash(_("Indicator added to the register."), "success")
            return redirect(url_for("indicators.indicator", code=created.code))
    return _form_page(form, status=400 if form.errors or refused else 200)


@bp.route("/indicators/<code>/edit", methods=["GET", "POST"])
def edit_indicator(code: str):
    """Change an indicator of the register (its code stays); a save over someone else's answers 409
    with both versions and keeps what was typed."""
    require("indicator.manage")
    indicator = indicator_or_404(code)
    form = _form(indicator)
    form.code.data = indicator.code
    status = 200
    if form.validate_on_submit():
        try:
            services.update_indicator(current_user, indicator, _data(form), _seen(form))
        except IndicatorConflict as conflict:
            db.session.rollback()
            current = services.get_by_code(code)
            form.updated.data = current.updated_at.isoformat()
            return _form_page(form, current, conflict=conflict, status=409)
        except DomainError as error:
            apply_domain_error(form, error)
            status = 400
        else:
            flash(_("Indicator saved."), "success")
            return redirect(url_for("indicators.indicator", code=code))
    return _form_page(form, indicator, status=400 if form.errors else status)
