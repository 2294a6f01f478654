"""An indicator's values as CSV or XLSX, for spreadsheets and reports.

One row per current value of the place asked (the nation: every value; a province: its own values
and its territories'; a territory: its own), with its place, period, kind, breakdown, figures,
approval status and source. Values not yet approved are included only where the reader may see
them (the same ``include_pending`` scope as the pages). The XLSX file adds a second sheet with the
figures the page's charts show (the time series of the place and the bars), so that what was seen
can be checked. Text cells that a spreadsheet would take for a formula are quoted.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from najma.extensions import db
from najma.i18n import localized
from najma.indicators import periods
from najma.indicators.aggregation import PendingScope, visible_condition
from najma.indicators.models import IndicatorValue
from najma.geography.models import Province
from najma.reference.models import TargetGroup
from najma.territories.models import Territory
from najma.vocab import AREAS, SEXES, VALUE_KINDS, VALUE_STATUSES

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
#: The columns of the values, in order (machine names: the first row of the file).
COLUMNS = ("level", "code", "place", "province", "period", "kind", "breakdown", "sex", "target_group", "area",
           "value", "numerator", "denominator", "status", "source", "version")
#: Leading characters that make a spreadsheet read a cell as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportRow:
    """One value as exported."""

    level: str
    code: str
    place: str
    province: str
    period: str
    kind: str
    breakdown: str
    sex: str
    target_group: str
    area: str
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    status: str
    source: str
    version: int

    def cells(self) -> tuple:
        """The row's cells in :data:`COLUMNS` order."""
        return tuple(getattr(self, name) for name in COLUMNS)


def safe_text(text: str) -> str:
    """Text a spreadsheet will not run as a formula (quoted when it starts like one)."""
    return "'" + text if text and text.startswith(_FORMULA_STARTS) else text


def _xlsx_text(sheet, text):
    """Text for a workbook cell exactly as the page shows it: only a leading "=" would make openpyxl
    write a formula, so that cell is typed as text; nothing is prefixed."""
    if isinstance(text, str) and text.startswith("="):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        return cell
    return text


def plain_number(value: Decimal | None) -> str:
    """A stored figure without trailing zeros ("32.1", "100"), empty when absent."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def export_rows(indicator, place, include_pending: PendingScope) -> list[ExportRow]:
    """The current values of ``indicator`` at ``place`` (nation, province or territory) that the
    reader may see, by place, period, kind and breakdown: one query."""
    territory_province = sa.orm.aliased(Province)
    query = (sa.select(IndicatorValue.territory_id, IndicatorValue.province_id, IndicatorValue.period,
                       IndicatorValue.kind, IndicatorValue.sex, IndicatorValue.area, IndicatorValue.value,
                       IndicatorValue.numerator, IndicatorValue.denominator, IndicatorValue.status,
                       IndicatorValue.source_text, IndicatorValue.version, Territory.slug, Territory.name,
                       Province.code, Province.name_fr, Province.name_ar, territory_province.code,
                       territory_province.name_fr, territory_province.name_ar, TargetGroup.name_fr,
                       TargetGroup.name_ar, TargetGroup.name_en)
             .select_from(IndicatorValue)
             .outerjoin(Territory, Territory.id == IndicatorValue.territory_id)
             .outerjoin(territory_province, territory_province.id == Territory.province_id)
             .outerjoin(Province, Province.id == IndicatorValue.province_id)
             .outerjoin(TargetGroup, TargetGroup.id == IndicatorValue.target_group_id)
             .where(IndicatorValue.indicator_id == indicator.id, visible_condition(include_pending)))
    if place.level == "territory":
        query = query.where(IndicatorValue.territory_id == place.territory_id)
    elif place.level == "province":
        query = query.where(sa.or_(IndicatorValue.province_id == place.province_id,
                                   Territory.province_id == place.province_id))
    sexes = {code: str(name) for code, name in SEXES.items()}
    areas = {code: str(name) for code, name in AREAS.items()}
    everyone, nation = _("All"), _("Morocco")
    names: dict[tuple, str] = {}

    def name_of(*parts) -> str:
        if parts not in names:
            names[parts] = localized(*parts) if parts[0] else ""
        return names[parts]

    rows = []
    for (territory_id, _province_id, period, kind, sex, area, value, numerator, denominator, status, source,
         version, slug, territory_name, p_code, p_fr, p_ar, tp_code, tp_fr, tp_ar, tg_fr, tg_ar, tg_en) \
            in db.session.execute(query):
        if territory_id is not None:
            level, code, name, province = "territory", slug, territory_name, name_of(tp_fr, tp_ar)
        elif p_code is not None:
            level, code, name = "province", p_code, name_of(p_fr, p_ar)
            province = name
        else:
            level, code, name, province = "nation", "MA", nation, ""
        group = name_of(tg_fr, tg_ar, tg_en)
        parts = [sexes.get(sex, sex or ""), group, areas.get(area, area or "")]
        rows.append(ExportRow(level, code, name, province, period, kind, " · ".join(p for p in parts if p) or everyone,
                              sex or "", group, area or "", value, numerator, denominator, status, source or "",
                              version))
    order = {"nation": 0, "province": 1, "territory": 2}
    kinds = {kind: index for index, kind in enumerate(VALUE_KINDS)}
    period_keys = {period: periods.sort_key(period) for period in {row.period for row in rows}}
    rows.sort(key=lambda r: (order[r.level], r.province, r.place, period_keys[r.period], kinds.get(r.kind, 9),
                             r.sex, r.target_group, r.area))
    return rows


def _headers() -> list[str]:
    return list(COLUMNS)


def to_csv(rows: list[ExportRow]) -> str:
    """The rows as CSV text (UTF-8 with BOM added by the caller's response, comma-separated)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_headers())
    for row in rows:
        writer.writerow([
            row.level, safe_text(row.code), safe_text(row.place), safe_text(row.province), row.period, row.kind,
            safe_text(row.breakdown), row.sex, safe_text(row.target_group), row.area, plain_number(row.value),
            plain_number(row.numerator), plain_number(row.denominator), row.status, safe_text(row.source),
            row.version])
    return buffer.getvalue()


def to_xlsx(indicator, rows: list[ExportRow], figures: list[tuple[str, list[str], list[list]]], *,
            title: str, credit: str) -> bytes:
    """A workbook: the values (sheet "values"), then one sheet per table of figures the page shows
    (``figures``: name, header, rows), and a sheet saying what the file holds."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)  # streams rows: several times faster on a nation's values
    sheet = workbook.create_sheet("values")
    sheet.freeze_panes = "A2"
    sheet.append(_headers())
    for row in rows:
        sheet.append([
            row.level, _xlsx_text(sheet, row.code), _xlsx_text(sheet, row.place), _xlsx_text(sheet, row.province),
            row.period, row.kind, _xlsx_text(sheet, row.breakdown), row.sex, _xlsx_text(sheet, row.target_group),
            row.area, row.value, row.numerator, row.denominator, row.status, _xlsx_text(sheet, row.source),
            row.version])
    for name, header, table in figures:
        extra = workbook.create_sheet(name[:31])
        extra.freeze_panes = "A2"
        extra.append([_xlsx_text(extra, str(cell)) for cell in header])
        for line in table:
            extra.append([_xlsx_text(extra, cell) for cell in line])
    about = workbook.create_sheet("about")
    for line in ([_("Indicator"), indicator.code], [_("Name"), indicator.name], [_("Unit"), str(indicator.unit_label)],
                 [_("Aggregation"), str(indicator.aggregation_label)], [_("Place"), title],
                 [_("Statuses"), "; ".join(f"{code}: {name}" for code, name in VALUE_STATUSES.items())],
                 [_("Source"), credit]):
        about.append([_xlsx_text(about, cell) for cell in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
