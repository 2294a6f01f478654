"""The ``flask najma projects ...`` commands: reminders of conventions to sign."""
from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

projects_cli = AppGroup("projects", help="Territory projects: reminders of conventions to sign.")


@projects_cli.command("remind-conventions")
@click.option("--days", type=click.IntRange(0, 3650), default=None,
              help="Remind conventions due within this many days (NAJMA_CONVENTION_REMINDER_DAYS, 14 by default).")
def remind_conventions_command(days: int | None):
    """Remind the delegates and antenna of each unsigned convention due soon or overdue, once each."""
    from najma.projects.conventions import remind_due_conventions

    count = remind_due_conventions(date.today(), days)
    click.echo(f"{count} convention(s) reminded.")
