"""``flask najma projects remind-conventions``: prints how many conventions it reminded, once each."""
from datetime import date, timedelta

import sqlalchemy as sa
from tests.projects._execution_fixtures import action_keys, approved_project

from najma.notifications.models import Notification
from najma.projects import conventions
from najma.projects.cli import projects_cli


def _due(scene, key, due, lock=0):
    conventions.save_convention(scene.delegate, scene.project, key, conventions.ConventionData(
        institution="Centre EF", parties="A\nB", amount="1000", due_date=due), lock)


def test_remind_conventions_prints_the_count_and_is_idempotent(db, territory, runner):
    scene = approved_project(territory)
    first, second = action_keys(scene.project)
    _due(scene, first, date.today() + timedelta(days=3))
    _due(scene, second, date.today() + timedelta(days=20))
    result = runner.invoke(projects_cli, ["remind-conventions"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 convention(s) reminded."
    result = runner.invoke(projects_cli, ["remind-conventions"])
    assert result.output.strip() == "0 convention(s) reminded."
    result = runner.invoke(projects_cli, ["remind-conventions", "--days", "30"])
    assert result.output.strip() == "1 convention(s) reminded."
    reminded = db.session.execute(sa.select(Notification.params).where(
        Notification.kind == "convention_due")).scalars().all()
    assert sorted({params["action"] for params in reminded}) == ["Action 1", "Action 2"]


def test_the_reminder_delay_comes_from_the_configuration(db, territory, runner, app, monkeypatch):
    scene = approved_project(territory)
    _due(scene, action_keys(scene.project)[0], date.today() + timedelta(days=20))
    monkeypatch.setitem(app.config, "NAJMA_CONVENTION_REMINDER_DAYS", 30)
    result = runner.invoke(projects_cli, ["remind-conventions"])
    assert result.output.strip() == "1 convention(s) reminded."


def test_a_negative_delay_is_refused(db, runner):
    result = runner.invoke(projects_cli, ["remind-conventions", "--days", "-1"])
    assert result.exit_code != 0 and "--days" in result.output
