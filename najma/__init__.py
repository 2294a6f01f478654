"""NAJMA: territorial, participatory action research for Entraide Nationale.

``create_app`` builds the Flask application in named steps; nothing happens at import time.
"""
from __future__ import annotations

from flask import Flask, request, session
from flask_login import current_user
from sqlalchemy.exc import DataError
from werkzeug.routing import IntegerConverter

from najma.config import Config
from najma.extensions import babel, csrf, db, limiter, login_manager, migrate
from najma.form_errors import MAX_ID

#: Endpoints reachable without signing in.
PUBLIC_ENDPOINTS = {"auth.login", "main.set_language", "static", "vendor.static", "vendor_leaflet.static",
                    "main.health"}


def create_app(config: object | None = None) -> Flask:
    """Build the application; ``config`` is a Config instance (defaults to ``Config()``)."""
    root = __import__("pathlib").Path(__file__).resolve().parent.parent
    app = Flask(__name__, template_folder=str(root / "templates"), static_folder=str(root / "static"),
                instance_path=None)
    app.config.from_object(config if config is not None else Config())
    app.instance_path = app.config["INSTANCE_PATH"]
    app.url_map.converters["int"] = IdConverter
    register_extensions(app)
    register_models()
    register_blueprints(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_errorhandlers(app)
    register_commands(app)
    _freeze_startup_objects()
    return app


def _freeze_startup_objects() -> None:
    """Move what start-up built (imported libraries, mappers, catalogues: some 200,000 objects
    that live as long as the process) out of the garbage collector's sight. Its full collections
    then scan only what requests create: without this, one request in ten on a big project page
    paid a 120 ms collection (benchmarks/projects.py: p95 197 ms, 81 ms with it)."""
    import gc

    gc.collect()
    gc.freeze()


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: an id no database integer column can hold is simply not
    found (404), instead of overflowing in the query."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's signature)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def select_locale() -> str:
    """The user's saved language, else the session's choice, else French."""
    from flask import current_app, has_request_context

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to ``app``; SQLite gets WAL and enforced foreign keys."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(__import__("pathlib").Path(app.root_path).parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "warning"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please sign in to open this page.")
    with app.app_context():
        _configure_sqlite(db.engine)


def _configure_sqlite(engine) -> None:
    """Foreign keys on and WAL journal for every SQLite connection."""
    if engine.dialect.name != "sqlite":
        return
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised on every connect
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            # Full-text search reads many pages: a 64 MB page cache and memory-mapped reads
            # bring a common word's search at national scale under 150 ms (benchmarks/research.py).
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.execute("PRAGMA mmap_size=268435456")
        cursor.close()


def register_models() -> None:
    """Import every model module so the mappers and Alembic see all tables."""
    from najma import audit  # noqa: F401
    from najma.actors import models as _actors  # noqa: F401
    from najma.auth import models as _auth  # noqa: F401
    from najma.geography import models as _geo  # noqa: F401
    from najma.governance import models as _gov  # noqa: F401
    from najma.reference import models as _ref  # noqa: F401
    from najma.territories import models as _ter  # noqa: F401
    from najma.research import models as _research  # noqa: F401
    from najma.notifications import models as _notifications  # noqa: F401
    from najma.projects import models as _projects  # noqa: F401
    from najma.rollout import models as _rollout  # noqa: F401
    from najma.indicators import models as _indicators  # noqa: F401


def register_blueprints(app: Flask) -> None:
    """One blueprint per domain, plus the vendored static assets."""
    from najma.actors.views import bp as actors_bp
    from najma.admin.views import bp as admin_bp
    from najma.auth.views import bp as auth_bp
    from najma.geography.views import bp as geography_bp
    from najma.governance.views import bp as governance_bp
    from najma.main.views import bp as main_bp
    from najma.reference.views import bp as reference_bp
    from najma.research.blueprint import load_views as research_views
    from najma.projects.blueprint import load_views as project_views
    from najma.rollout.blueprint import load_views as rollout_views
    from najma.indicators.blueprint import load_views as indicator_views
    from najma.notifications.views import bp as notifications_bp
    from najma.territories.views import bp as territories_bp
    from najma.geography import map_views  # noqa: F401  (adds the map routes to the geography blueprint)
    from najma.vendor import bp as vendor_bp
    from najma.vendor import leaflet_bp

    for blueprint in (main_bp, auth_bp, admin_bp, territories_bp, governance_bp, reference_bp, geography_bp,
                      vendor_bp, leaflet_bp, actors_bp, research_views(), notifications_bp,
                      project_views(), rollout_views(), indicator_views()):
        app.register_blueprint(blueprint)


def register_request_hooks(app: Flask) -> None:
    """Sign-in wall for every non-public page, and security headers on every answer."""
    from najma.auth.models import User

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(User, int(user_id))

    @app.before_request
    def require_login():
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    @app.after_request
    def security_headers(response):
        tile_origin = _origin(app.config.get("MAP_TILE_URL", ""))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; img-src 'self' data:{tile_origin}; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def _origin(url: str) -> str:
    """`` https://host`` of a map tile URL template, to allow its images; empty without tiles."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f" {parts.scheme}://{parts.netloc.replace('{s}', '*')}"


def register_template_helpers(app: Flask) -> None:
    """``can``, Markdown, language direction and vocabulary labels for every template."""
    from najma import vocab
    from najma.i18n import current_language, text_direction
    from najma.markdown_render import render
    from najma.permissions import can
    from najma.i18n import format_list_local, format_number_local
    from najma.indicators.periods import isolated as isolated_period
    from najma.timeutil import format_date_local, format_datetime_local

    @app.context_processor
    def inject_request_helpers():
        return {"lang": current_language(), "text_dir": text_direction(), "demo_mode": _demo_loaded()}

    # Globals, unlike context variables, are also visible inside imported macros.
    app.jinja_env.globals["can"] = lambda action, obj=None: can(current_user, action, obj)
    app.jinja_env.globals["vocab"] = vocab

    app.jinja_env.filters["markdown"] = render
    app.jinja_env.filters["datetimeformat"] = format_datetime_local
    app.jinja_env.filters["dateformat"] = format_date_local
    app.jinja_env.filters["numberformat"] = format_number_local
    app.jinja_env.filters["listformat"] = format_list_local
    app.jinja_env.filters["label"] = vocab.label
    app.jinja_env.filters["period"] = isolated_period


def _demo_loaded() -> bool:
    """True when demo data is in the database (cached per request)."""
    from flask import g

    if "demo_mode" not in g:
        from najma.demo import demo_is_loaded

        g.demo_mode = demo_is_loaded()
    return g.demo_mode


def register_errorhandlers(app: Flask) -> None:
    """403, 404, 409, 429 and 500 pages in the site layout (JSON for JSON clients)."""
    from flask_wtf.csrf import CSRFError

    from najma.main.errors import handle_csrf_error, handle_http_error

    for code in (400, 403, 404, 405, 429, 500):
        app.register_error_handler(code, handle_http_error)
    app.register_error_handler(CSRFError, handle_csrf_error)

    def out_of_range(error):
        """A number too big for its column (a crafted query string) is bad input, not a crash."""
        from werkzeug.exceptions import BadRequest

        db.session.rollback()
        return handle_http_error(BadRequest())

    app.register_error_handler(OverflowError, out_of_range)
    app.register_error_handler(DataError, out_of_range)


def register_commands(app: Flask) -> None:
    """The ``flask najma ...`` command group."""
    from najma.cli import najma_cli

    app.cli.add_command(najma_cli)
