"""Roll-up maths: actions weighted by budget or by their explicit weight, dropped ones left out,
equal weights when every weight is zero; provinces and the nation weighted by approved budgets,
counting only projects whose conventions are signed; a constant number of queries."""
from decimal import Decimal

import pytest
from tests.conftest import counted_queries, make_territory
from tests.projects._execution_fixtures import action_keys, approved_project, in_execution

from najma.projects import execution, rollup
from najma.projects.execution import ExecutionData
from najma.projects.rollup import ProjectFigures


def test_weighted_progress_maths():
    assert rollup.weighted_progress([]) is None
    assert rollup.weighted_progress([(Decimal(1000), 100), (Decimal(3000), 0)]) == 25.0
    assert rollup.weighted_progress([(Decimal(0), 100), (Decimal(0), 0)]) == 50.0  # all zero: equal weights
    assert rollup.weighted_progress([(Decimal(0), 100), (Decimal(1), 20)]) == 20.0  # a zero weight counts for nothing


def _figures(project_id, status, *actions):
    figures = ProjectFigures(project_id, status)
    for i, (budget, progress, weight, action_status) in enumerate(actions):
        figures.actions.append(rollup.ActionFigure(project_id, f"k{i}", i, f"A{i}", Decimal(budget), weight,
                                                   action_status, progress))
    return figures


def test_project_figures_leave_dropped_actions_out():
    figures = _figures(1, "in_execution", (1000, 100, None, "done"), (3000, 80, None, "dropped"),
                       (1000, 0, None, "ongoing"))
    assert figures.progress == 50.0
    assert figures.budget == Decimal(5000)  # the approved budget keeps the dropped action
    only_dropped = _figures(2, "in_execution", (1000, 40, None, "dropped"))
    assert only_dropped.progress is None


def test_explicit_weight_replaces_the_budget():
    figures = _figures(1, "in_execution", (1000, 100, Decimal(1), "done"), (3000, 0, Decimal(3), "ongoing"),
                       (500, 50, Decimal(0), "ongoing"))
    assert figures.progress == 25.0


def test_combined_progress_weights_projects_by_budget_and_counts_only_followed_ones():
    a = _figures(1, "in_execution", (1000, 100, None, "done"))
    b = _figures(2, "contracted", (3000, 0, None, "not_started"))
    not_yet = _figures(3, "approved", (9000, 100, None, "done"))
    assert rollup.combined_progress([a, b, not_yet]) == 25.0
    evaluated = _figures(4, "evaluated", (0, 100, None, "done"))
    free = _figures(5, "in_execution", (0, 0, None, "ongoing"))
    assert rollup.combined_progress([evaluated, free]) == 50.0  # every budget zero: equal weights
    assert rollup.combined_progress([not_yet]) is None


@pytest.fixture
def executed(db, territory):
    return in_execution(approved_project(territory, budgets=(("1000.00",), ("2000.00", "1000.00"))))


def test_project_figures_read_budgets_and_follow_up_from_the_database(executed):
    project = executed.project
    first, second = action_keys(project)
    figures = rollup.project_figures([project.id])[project.id]
    assert [a.budget for a in figures.actions] == [Decimal("1000.00"), Decimal("3000.00")]
    assert figures.progress == 0.0 and figures.budget == Decimal("4000.00")
    execution.save_execution(executed.delegate, project, first, ExecutionData("done", 100), 0)
    figures = rollup.project_figures([project.id])[project.id]
    assert figures.progress == 25.0
    execution.save_execution(executed.delegate, project, second, ExecutionData("ongoing", 50, weight="1000"), 0)
    assert rollup.project_figures([project.id])[project.id].progress == 75.0  # 1000 x 100 + 1000 x 50
    execution.save_execution(executed.delegate, project, second, ExecutionData("dropped", 50, weight=""), 1)
    assert rollup.project_figures([project.id])[project.id].progress == 100.0
    assert rollup.project_figures(statuses=("approved",)) == {}
    assert rollup.project_figures([]) == {}


def test_project_figures_cost_two_queries_whatever_the_number_of_projects(db):
    scenes = [in_execution(approved_project(make_territory(f"T{i}"), budgets=(("100",),) * (i + 1)))
              for i in range(3)]
    first_id = scenes[0].project.id
    with counted_queries() as first:
        one = rollup.project_figures([first_id])
    with counted_queries() as second:
        every = rollup.project_figures()
    assert first.n == 2 and second.n == 2
    assert len(one) == 1 and len(every) == 3
    assert [len(f.actions) for f in sorted(every.values(), key=lambda f: f.project_id)] == [1, 2, 3]


@pytest.mark.parametrize("saves", [
    [],
    [("done", 100, None), ("ongoing", 50, "1000")],
    [("done", 100, None), ("dropped", 50, None)],
    [("dropped", 100, None), ("dropped", 50, None)],
    [("done", 100, "0"), ("ongoing", 20, "0")],
])
def test_sql_totals_agree_with_the_per_action_figures(executed, saves):
    project = executed.project
    for key, (status, progress, weight) in zip(action_keys(project), saves):
        execution.save_execution(executed.delegate, project, key, ExecutionData(status, progress, weight=weight), 0)
    figures = rollup.project_figures([project.id])[project.id]
    totals = rollup.project_totals([project.id])[project.id]
    assert totals.budget == figures.budget == Decimal("4000.00")
    if figures.progress is None:
        assert totals.progress is None
    else:
        assert totals.progress == pytest.approx(figures.progress)
    assert rollup.project_totals(statuses=("approved",)) == {}
