"""Exports of an indicator's values: CSV and XLSX open in the csv module and openpyxl and hold the
same numbers as the page; values not yet approved appear only for those who may see them; a place
narrows the rows; text that a spreadsheet would run as a formula is quoted."""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from openpyxl import load_workbook

from najma.indicators import exports
from tests.conftest import make_territory
from tests.indicators._chart_fixtures import (AZILAL, CHEFCHAOUEN, make_indicator, pilots, put,  # noqa: F401
                                              rate_values)


def _csv(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def _xlsx(client, url: str):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == exports.FORMATS["xlsx"].split(";")[0]
    return load_workbook(io.BytesIO(response.data))


def _sheet(workbook, name: str) -> list[dict]:
    rows = list(workbook[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def _page_numbers(html: str, table: str, key: str) -> dict[str, Decimal]:
    """From the page's table ``table``: each row's key attribute → its first ``data-value``."""
    body = html.split(f'data-testid="{table}"')[1].split("</table>")[0]
    found = re.findall(rf'<tr {key}="([^"]+)">.*?data-value="([^"]*)"', body, re.S)
    return {k: Decimal(v) for k, v in found if v}


def test_csv_holds_every_visible_value_with_its_place_and_status(client, login, pilots):
    indicator = make_indicator()
    azilal, chefchaouen = pilots
    rate_values(indicator, azilal, chefchaouen)
    put(indicator, azilal, "2026-S1", "baseline", 18, status="entered")
    login("evaluator")

    rows = _csv(client, f"/indicators/{indicator.code}/export.csv")

    assert list(rows[0]) == list(exports.COLUMNS)
    assert len(rows) == 10  # 6 measures, 2 targets, 2 by sex; the entered baseline is not approved
    assert {r["status"] for r in rows} == {"approved"}
    first = next(r for r in rows if r["code"] == azilal.slug and r["period"] == "2025" and r["sex"] == "")
    assert (first["level"], first["place"], first["kind"], first["breakdown"]) == ("territory", "Azilal", "measure", "All")
    assert (Decimal(first["value"]), first["numerator"], first["denominator"]) == (Decimal(30), "30", "100")
    women = next(r for r in rows if r["sex"] == "female")
    assert women["breakdown"] == "Women and girls" and Decimal(women["value"]) == 25


def test_pending_values_are_exported_to_those_who_take_part_in_their_approval(client, login, pilots):
    indicator = make_indicator(disaggregations=())
    azilal, chefchaouen = pilots
    put(indicator, azilal, "2025", numerator=30, denominator=100, status="entered")
    put(indicator, chefchaouen, "2025", numerator=45, denominator=50, status="validated")
    url = f"/indicators/{indicator.code}/export.csv"

    login("evaluator")
    assert _csv(client, url) == []
    login("antenna_staff", on=azilal)
    assert [(r["code"], r["status"]) for r in _csv(client, url)] == [(azilal.slug, "entered")]
    login("steering")
    assert {(r["code"], r["status"]) for r in _csv(client, url)} == {(azilal.slug, "entered"),
                                                                     (chefchaouen.slug, "validated")}
    workbook = _xlsx(client, url.replace(".csv", ".xlsx"))
    assert len(_sheet(workbook, "values")) == 2


def test_a_place_narrows_the_rows(client, login, pilots):
    indicator = make_indicator()
    azilal, chefchaouen = pilots
    rate_values(indicator, azilal, chefchaouen)
    login("evaluator")

    province = _csv(client, f"/indicators/{indicator.code}/export.csv?place=province:{CHEFCHAOUEN}")
    assert {r["code"] for r in province} == {chefchaouen.slug} and len(province) == 4
    territory = _csv(client, f"/indicators/{indicator.code}/export.csv?place=territory:{azilal.slug}")
    assert {r["code"] for r in territory} == {azilal.slug} and len(territory) == 6


def test_the_xlsx_holds_the_same_numbers_as_the_page(client, login, pilots):
    indicator = make_indicator()
    azilal, chefchaouen = pilots
    rate_values(indicator, azilal, chefchaouen)
    login("evaluator")
    html = client.get(f"/indicators/{indicator.code}").text
    workbook = _xlsx(client, f"/indicators/{indicator.code}/export.xlsx")

    assert workbook.sheetnames == ["values", "series", "by_territory", "by_sex", "about"]
    measures_page = dict(re.findall(r'<tr data-period="([^"]+)">.*?data-kind="measure" data-value="([^"]*)"',
                                    html.split('data-testid="series-table"')[1].split("</table>")[0], re.S))
    assert {r["period"]: Decimal(str(r["measure"])) for r in _sheet(workbook, "series")} == {
        period: Decimal(value) for period, value in measures_page.items()}
    assert {r["code"]: Decimal(str(r["measure"])) for r in _sheet(workbook, "by_territory")} == \
        _page_numbers(html, "bars-table", "data-key") == {azilal.slug: Decimal(40), chefchaouen.slug: Decimal(90)}
    by_sex = {(r["period"], r["sex"]): r["measure"] for r in _sheet(workbook, "by_sex")}
    assert Decimal(str(by_sex[("2025", "female")])) == 25
    values = _sheet(workbook, "values")
    assert len(values) == len(_csv(client, f"/indicators/{indicator.code}/export.csv")) == 10
    azilal_2025 = next(r for r in values if r["code"] == azilal.slug and r["period"] == "2025" and not r["sex"])
    assert isinstance(azilal_2025["value"], (int, float)) and azilal_2025["value"] == 30


def test_the_territory_export_matches_the_territory_page(client, login, pilots):
    indicator = make_indicator()
    azilal, chefchaouen = pilots
    rate_values(indicator, azilal, chefchaouen)
    login("evaluator")
    html = client.get(f"/indicators/{indicator.code}?place=territory:{azilal.slug}").text
    page = dict(re.findall(r'<tr data-period="([^"]+)">.*?data-kind="measure" data-value="([^"]*)"',
                           html.split('data-testid="series-table"')[1].split("</table>")[0], re.S))
    rows = _csv(client, f"/indicators/{indicator.code}/export.csv?place=territory:{azilal.slug}")
    exported = {r["period"]: Decimal(r["value"]) for r in rows if r["kind"] == "measure" and not r["sex"]}
    assert exported == {period: Decimal(value) for period, value in page.items()}


def test_text_that_looks_like_a_formula_is_quoted(client, login, pilots):
    indicator = make_indicator(disaggregations=())
    azilal, _chefchaouen = pilots
    put(indicator, azilal, "2025", numerator=1, denominator=2, source='=HYPERLINK("http://x","y")')
    login("evaluator")

    assert _csv(client, f"/indicators/{indicator.code}/export.csv")[0]["source"].startswith("'=")
    # In the workbook the cell is typed as text, never a formula, and reads exactly as on the page.
    workbook = _xlsx(client, f"/indicators/{indicator.code}/export.xlsx")
    cell = _sheet(workbook, "values")[0]["source"]
    assert cell == '=HYPERLINK("http://x","y")' and workbook["values"]["O2"].data_type == "s"


def test_a_source_starting_with_a_sign_reads_the_same_in_the_workbook(client, login, pilots):
    indicator = make_indicator(disaggregations=())
    azilal, _chefchaouen = pilots
    put(indicator, azilal, "2025", numerator=1, denominator=2, source="-5 pts vs 2014 (HCP)")
    login("evaluator")
    workbook = _xlsx(client, f"/indicators/{indicator.code}/export.xlsx")
    assert _sheet(workbook, "values")[0]["source"] == "-5 pts vs 2014 (HCP)"


def test_exports_are_refused_to_those_who_cannot_see_indicators(client, login, pilots):
    indicator = make_indicator()
    login("viewer")
    for fmt in ("csv", "xlsx"):
        assert client.get(f"/indicators/{indicator.code}/export.{fmt}").status_code == 403
    login("evaluator")
    assert client.get(f"/indicators/{indicator.code}/export.ods").status_code == 404


def test_numbers_are_written_plainly():
    assert exports.plain_number(Decimal("32.1000")) == "32.1"
    assert exports.plain_number(Decimal("100.0000")) == "100"
    assert exports.plain_number(Decimal("1E+2")) == "100"
    assert exports.plain_number(None) == ""
    assert exports.safe_text("-3") == "'-3" and exports.safe_text("Azilal") == "Azilal"


def test_the_export_query_count_does_not_grow(client, login, pilots, db):
    from tests.conftest import count_queries

    indicator = make_indicator()
    azilal, chefchaouen = pilots
    rate_values(indicator, azilal, chefchaouen)
    login("evaluator")
    urls = [f"/indicators/{indicator.code}/export.csv", f"/indicators/{indicator.code}/export.xlsx"]
    small = [count_queries(lambda u=u: client.get(u)) for u in urls]
    for n in range(5):
        extra = make_territory(f"Territoire {n}", province_code=AZILAL)
        for period in ("2024", "2025"):
            put(indicator, extra, period, numerator=n, denominator=10)
    assert [count_queries(lambda u=u: client.get(u)) for u in urls] == small
