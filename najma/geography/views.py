"""Geography pages: importing boundaries (upload, preview, confirm), on the shared ``geography`` blueprint.

The upload is read and matched at once and the preview shown; nothing is written until the
user confirms, and the confirmation re-reads the waiting file so what is written is exactly
what the file holds. geopandas is imported only when an import runs.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from najma.errors import DomainError
from najma.extensions import db
from najma.form_errors import apply_domain_error
from najma.geography.blueprint import bp
from najma.geography.forms import IMPORT_LEVELS, BoundaryUploadForm, ImportConfirmForm
from najma.permissions import require
from najma.territories import services as territories
from najma.territories.models import Territory


def _imports():
    from najma.geography import imports

    return imports


def _folder():
    return _imports().upload_folder(current_app.instance_path)


def _limits():
    return _imports().Limits.from_config(current_app.config)


def _fixed_territory() -> Territory | None:
    """The territory named by ``?territory=slug`` (404 when unknown), or None."""
    slug = request.args.get("territory")
    if not slug:
        return None
    territory = territories.get_by_slug(slug)
    if territory is None:
        abort(404)
    return territory


def _require_import(level: str, territory: Territory | None) -> None:
    """403 unless the user may import this level (a territory's outline: editing that territory)."""
    if level == "territory":
        require("territory.edit", territory)
    else:
        require("boundary.import")


def _upload_form(fixed: Territory | None) -> BoundaryUploadForm:
    form = BoundaryUploadForm()
    if fixed is not None:
        form.level.choices = [choice for choice in IMPORT_LEVELS if choice[0] == "territory"]
        form.territory.choices = [(fixed.slug, fixed.name)]
    else:  # the steering committee and admins, who may edit every territory
        every = db.session.execute(db.select(Territory).order_by(Territory.name)).scalars()
        form.territory.choices = [("", "-")] + [(t.slug, t.name) for t in every]
    return form


def _render_form(form, fixed, status=200):
    return render_template("geography/import.html", form=form, fixed_territory=fixed), status


def _render_preview(preview, token: str | None, back: str, status: int):
    confirm = ImportConfirmForm(token=token) if token else None
    return render_template("geography/import_preview.html", preview=preview, confirm=confirm, back=back,
                           level_label=dict(IMPORT_LEVELS)[preview.level]), status


@bp.route("/boundaries/import", methods=["GET", "POST"])
def import_boundaries():
    """Upload a boundary file; a valid one is previewed, and waits for confirmation."""
    fixed = _fixed_territory()
    if fixed is not None:
        require("territory.edit", fixed)
    else:
        require("boundary.import")
    back = url_for("geography.import_boundaries", territory=fixed.slug if fixed else None)
    limits = _limits()
    form = _upload_form(fixed)
    if not form.validate_on_submit():
        return _render_form(form, fixed, 400 if form.errors else 200)

    level = form.level.data
    territory = fixed
    if level == "territory" and territory is None:
        territory = territories.get_by_slug(form.territory.data or "")
        if territory is None:
            form.territory.errors = [_("Choose the territory this outline belongs to.")]
            return _render_form(form, fixed, 400)
    _require_import(level, territory)

    imports = _imports()
    options = imports.ImportOptions(level=level, territory=territory if level == "territory" else None,
                                    assume_crs=form.assume_crs.data or None,
                                    code_column=form.code_column.data or None,
                                    name_column=form.name_column.data or None)
    upload = form.file.data
    folder = _folder()
    token = None
    try:
        token, path = imports.save_upload(upload.stream, upload.filename or "", folder, limits, {
            "user_id": current_user.id, "level": level,
            "territory_id": options.territory.id if options.territory else None,
            "assume_crs": options.assume_crs, "code_column": options.code_column,
            "name_column": options.name_column})
        preview = imports.build_preview(path, upload.filename or "", options, limits)
    except DomainError as error:
        if token:
            imports.discard_upload(folder, token)
        apply_domain_error(form, error)
        return _render_form(form, fixed, 400)
    if not preview.can_apply:
        imports.discard_upload(folder, token)
        return _render_preview(preview, None, back, 400)
    return _render_preview(preview, token, back, 200)


def _waiting_upload(token: str):
    """The current user's waiting upload for ``token`` as (path, metadata, territory), or None."""
    waiting = _imports().load_upload(_folder(), token)
    if waiting is None or waiting[1].get("user_id") != current_user.id:
        return None
    path, metadata = waiting
    territory = db.session.get(Territory, metadata["territory_id"]) if metadata.get("territory_id") else None
    if metadata.get("level") == "territory" and territory is None:
        return None
    return path, metadata, territory


def _after(territory: Territory | None) -> str:
    if territory is not None:
        return url_for("territories.detail", slug=territory.slug)
    return url_for("geography.import_boundaries")


@bp.post("/boundaries/import/confirm")
def confirm_import():
    """Write the previewed boundaries: all of them in one transaction, or none."""
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    waiting = _waiting_upload(form.token.data)
    if waiting is None:
        flash(_("This import has expired or was already done. Upload the file again."), "warning")
        return redirect(url_for("geography.import_boundaries"))
    path, metadata, territory = waiting
    _require_import(metadata["level"], territory)
    imports = _imports()
    folder = _folder()
    back = url_for("geography.import_boundaries", territory=territory.slug if territory else None)
    options = imports.ImportOptions(level=metadata["level"], territory=territory,
                                    assume_crs=metadata.get("assume_crs"), code_column=metadata.get("code_column"),
                                    name_column=metadata.get("name_column"))
    try:
        preview = imports.build_preview(path, metadata["filename"], options, _limits())
        if not preview.can_apply:
            imports.discard_upload(folder, form.token.data)
            return _render_preview(preview, None, back, 400)
        counts = imports.apply_import(current_user, preview)
    except DomainError as error:
        db.session.rollback()
        imports.discard_upload(folder, form.token.data)
        flash(str(error.message), "danger")
        return redirect(back)
    imports.discard_upload(folder, form.token.data)
    flash(_("Boundaries imported from %(file)s: %(created)d new, %(updated)d replaced.", file=preview.source,
            created=counts["created"], updated=counts["updated"]), "success")
    return redirect(_after(territory))


@bp.post("/boundaries/import/cancel")
def cancel_import():
    """Drop a waiting upload; nothing was written."""
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    waiting = _waiting_upload(form.token.data)
    territory = None
    if waiting is not None:
        territory = waiting[2]
        _imports().discard_upload(_folder(), form.token.data)
    flash(_("Import cancelled; nothing was written."), "info")
    return redirect(url_for("geography.import_boundaries", territory=territory.slug if territory else None))


@bp.app_errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A request over MAX_CONTENT_LENGTH: for a boundary upload, say which limit it passed."""
    if request.endpoint != "geography.import_boundaries":
        from najma.main.errors import handle_http_error

        return handle_http_error(error)
    limit = f"{_limits().max_bytes / 1048576:.0f}"
    message = _("The file is larger than %(limit)s MB, the most that can be imported at once. Split it, or "
                "simplify its geometries. Nothing was written.", limit=limit)
    return render_template("errors/error.html", code=413, title=_("File too large"), message=message), 413
