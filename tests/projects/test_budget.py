"""Budget summaries in exact Decimals, the schedule and its Gantt-like SVG."""
from datetime import date
from decimal import Decimal

from tests.projects.conftest import action_data, make_project
from tests.research.conftest import chantier

from najma.projects import budget, services
from najma.research.paths import retained_paths


def _project(territory, staff):
    """Three actions: two funders spelt two ways, two chantiers, one undated action."""
    project = make_project(territory, staff, actions=0)
    path = retained_paths(territory)[0]
    version = services.current_version(project)
    services.save_action(staff, project, None, action_data(
        path, title="Couture", budget=(("Formatrice", "Entraide Nationale", "1000.10"), ("Tissus", "Commune", "0.20")),
        start=date(2026, 1, 15), end=date(2026, 6, 30)), version.lock_version)
    services.save_action(staff, project, None, action_data(
        path, title="Alphabétisation", chantier_id=chantier(2).id,
        budget=(("Animatrice", "entraide  nationale", "2000.05"),), start=date(2026, 3, 1), end=date(2027, 2, 28)), None)
    services.save_action(staff, project, None, action_data(
        path, title="Sans date", budget=(("Local", "Commune", "0.10"),), start=None, end=None), None)
    return project


def test_totals_by_funder_chantier_and_action_are_exact(db, territory, staff):
    project = _project(territory, staff)
    actions = services.load_version(project).actions
    summary = budget.summarise(actions)
    assert summary.total == Decimal("3000.45")
    assert [(s.label, s.amount) for s in summary.by_funder] == [
        ("Entraide Nationale", Decimal("3000.15")), ("Commune", Decimal("0.30"))]
    assert [(s.obj.position, s.amount) for s in summary.by_chantier] == [
        (2, Decimal("2000.05")), (5, Decimal("1000.40"))]
    assert [(s.label, s.amount) for s in summary.by_action] == [
        ("Couture", Decimal("1000.30")), ("Alphabétisation", Decimal("2000.05")), ("Sans date", Decimal("0.10"))]
    assert sum((s.amount for s in summary.by_funder), Decimal(0)) == summary.total
    assert summary.by_action[1].percent == Decimal("66.7")
    assert budget.action_total(actions[0]) == Decimal("1000.30")


def test_an_empty_budget_sums_to_zero(db):
    summary = budget.summarise([])
    assert summary.total == Decimal("0.00") and summary.by_funder == [] and budget.bars_svg([], "x") == ""


def test_the_schedule_has_one_bar_per_dated_action(db, territory, staff):
    project = _project(territory, staff)
    actions = services.load_version(project).actions
    plan = budget.schedule(actions)
    assert [row.action.title for row in plan.rows] == ["Couture", "Alphabétisation"]
    assert [a.title for a in plan.undated] == ["Sans date"]
    assert plan.rows[1].months == Decimal("12.0")
    svg = str(budget.gantt_svg(plan, today=date(2026, 5, 1), rtl=False))
    assert svg.count('class="gantt-bar') == 2
    assert f'data-action-key="{actions[0].key}"' in svg and "Sans date" not in svg
    assert 'class="gantt-today"' in svg
    assert svg.count('class="gantt-tick"') == 14  # January 2026 to February 2027
    assert 'class="gantt-today"' not in str(budget.gantt_svg(plan, today=date(2030, 1, 1), rtl=False))
    assert budget.gantt_svg(budget.schedule([]), rtl=False) == ""


def test_the_gantt_mirrors_time_for_right_to_left_and_escapes_titles(db, territory, staff):
    project = _project(territory, staff)
    version = services.load_version(project)
    first = version.actions[0]
    services.save_action(staff, project, first.key, action_data(
        first.paths[0], title="<script>alert(1)</script> & co", start=date(2026, 1, 1), end=date(2026, 1, 31)),
        version.lock_version)
    plan = budget.schedule(services.load_version(project).actions)
    ltr = str(budget.gantt_svg(plan, today=date(2020, 1, 1), rtl=False))
    rtl = str(budget.gantt_svg(plan, today=date(2020, 1, 1), rtl=True))
    assert "<script>" not in ltr and "&lt;script&gt;" in ltr and "&amp; co" in ltr

    def first_bar_x(svg):
        start = svg.index('class="gantt-bar')
        return float(svg[svg.index(' x="', start) + 4:svg.index('"', svg.index(' x="', start) + 4)])

    # The earliest action starts at the left edge of the chart in French and at its right edge in Arabic.
    assert first_bar_x(ltr) < 450 < first_bar_x(rtl)
    assert 'direction="rtl"' in rtl and 'direction="ltr"' in ltr


def test_budget_bars_have_one_bar_per_share(db, territory, staff):
    project = _project(territory, staff)
    summary = budget.summarise(services.load_version(project).actions)
    svg = str(budget.bars_svg(summary.by_funder, "Par financeur", rtl=False))
    assert svg.count('class="budget-bar"') == 2 and "Entraide Nationale" in svg


def test_the_gantt_of_dates_spanning_the_whole_calendar_stays_small(db, territory, staff):
    """Dates typed before they were limited (or by any other way in) can be anything: the chart
    neither overflows at December 9999 nor draws a tick for each of its 120,000 months."""
    project = make_project(territory, staff, actions=2)
    version = services.load_version(project)
    first, second = version.actions
    first.start_date, first.end_date = date(1, 1, 1), date(9998, 11, 30)
    second.start_date, second.end_date = date(2026, 1, 1), date(9999, 12, 31)
    plan = budget.schedule(version.actions)
    svg = str(budget.gantt_svg(plan, today=date(2026, 5, 1), rtl=False))
    assert svg.count('class="gantt-bar') == 2 and 'class="gantt-today"' in svg
    assert 1 < svg.count('class="gantt-tick"') <= budget.MAX_TICKS
    assert svg.count('class="gantt-month"') <= budget.MAX_TICK_LABELS + 1
    assert len(svg) < 40_000
    long = budget.schedule([type(first)(key="k", title="Long", start_date=date(2020, 1, 1),
                                        end_date=date(2099, 12, 31))])
    ticks = str(budget.gantt_svg(long, rtl=False)).count('class="gantt-tick"')
    assert ticks == 80  # one a year over 80 years instead of 960 months
