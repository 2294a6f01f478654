"""Configuration read from the environment, with safe defaults for a single-machine install."""
import os
import secrets
from pathlib import Path


def _instance_path() -> Path:
    return Path(os.environ.get("NAJMA_INSTANCE_PATH", Path(__file__).resolve().parent.parent / "instance"))


def load_or_create_secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, else from ``instance/secret_key``.

    The file is created once, with mode 0600, so sessions survive restarts and the key
    never sits in the repository.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    # Written whole under a private name, then linked into place: two processes starting at once
    # (test workers, server workers) never read a half-written key, and the second keeps the first's.
    key = secrets.token_hex(32)
    draft = instance_path / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    try:
        os.link(draft, key_file)
    except FileExistsError:
        key = key_file.read_text().strip()
    finally:
        draft.unlink()
    return key


def database_url(instance_path: Path) -> str:
    """``DATABASE_URL`` when set (PostgreSQL through psycopg 3), else SQLite in ``instance/``."""
    url = os.environ.get("DATABASE_URL")
    if url:
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://"):]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    instance_path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance_path / 'najma.db'}"


class Config:
    """Production-like defaults; every value can be overridden from the environment."""

    def __init__(self) -> None:
        instance = _instance_path()
        self.INSTANCE_PATH = str(instance)
        self.SECRET_KEY = load_or_create_secret_key(instance)
        self.SQLALCHEMY_DATABASE_URI = database_url(instance)
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        if self.SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
            # PostgreSQL's JIT compiles the full-text queries for about a second each: a loss
            # for short interactive queries (benchmarks/research.py).
            self.SQLALCHEMY_ENGINE_OPTIONS["connect_args"] = {"options": "-c jit=off"}
        https = os.environ.get("NAJMA_HTTPS") == "1"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = https
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = https
        self.PREFERRED_URL_SCHEME = "https" if https else "http"
        self.WTF_CSRF_TIME_LIMIT = 8 * 3600
        self.BABEL_DEFAULT_LOCALE = "fr"
        self.BABEL_DEFAULT_TIMEZONE = "Africa/Casablanca"
        self.BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).parent / "translations")
        self.LANGUAGES = ["fr", "ar", "en"]
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_HEADERS_ENABLED = True
        # Per account and address, then per address whatever the account.
        self.LOGIN_RATE_LIMIT = os.environ.get("NAJMA_LOGIN_RATE_LIMIT", "5 per minute;30 per hour")
        self.LOGIN_ADDRESS_RATE_LIMIT = os.environ.get("NAJMA_LOGIN_ADDRESS_RATE_LIMIT", "60 per minute")
        self.BOOTSTRAP_SERVE_LOCAL = True
        self.PER_PAGE = 50
        # Background map tiles, e.g. https://tile.example.org/{z}/{x}/{y}.png; empty: outlines only, offline.
        self.MAP_TILE_URL = os.environ.get("NAJMA_MAP_TILE_URL", "")
        # Boundary imports: largest file (bytes) and most features accepted at once.
        self.BOUNDARY_MAX_BYTES = int(os.environ.get("NAJMA_BOUNDARY_MAX_BYTES", 50 * 1024 * 1024))
        self.BOUNDARY_MAX_FEATURES = int(os.environ.get("NAJMA_BOUNDARY_MAX_FEATURES", 5000))
        # Actor map imports (CSV, GEXF, GraphML): largest file accepted, in bytes.
        self.ACTORS_MAX_UPLOAD_BYTES = int(os.environ.get("NAJMA_ACTORS_MAX_UPLOAD_BYTES", 5 * 1024 * 1024))
        # Research note attachments (photos, PDF, recordings): largest file accepted, in bytes.
        self.RESEARCH_MAX_UPLOAD_BYTES = int(os.environ.get("NAJMA_RESEARCH_MAX_UPLOAD_BYTES", 25 * 1024 * 1024))
        # Outgoing e-mail (notifications). Without MAIL_SERVER, messages are written to the log instead.
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
        self.MAIL_PORT = int(os.environ.get("MAIL_PORT", 587))
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
        self.MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "1") not in ("0", "false", "False", "")
        self.MAIL_SENDER = os.environ.get("MAIL_SENDER", "NAJMA <najma@localhost>")
        self.MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", 10))
        # Territory projects: days in one status after which a project shows as stuck nationally, and how many
        # days before its due date an unsigned convention is reminded.
        self.NAJMA_PROJECT_STUCK_DAYS = int(os.environ.get("NAJMA_PROJECT_STUCK_DAYS", 60))
        self.NAJMA_CONVENTION_REMINDER_DAYS = int(os.environ.get("NAJMA_CONVENTION_REMINDER_DAYS", 14))
        # Boundary files are the largest uploads; the form's other fields need far less than 1 MB.
        self.MAX_CONTENT_LENGTH = self.BOUNDARY_MAX_BYTES + 1024 * 1024
        self.TESTING = False


class TestConfig(Config):
    """In-memory SQLite, or ``DATABASE_URL`` when the suite runs against PostgreSQL."""

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "test-only-" + secrets.token_hex(8)
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or _test_url()
        self.SQLALCHEMY_ENGINE_OPTIONS = {}
        if self.SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
            # As in production, no JIT; and a test database need not wait for each commit to
            # reach the disk (every test empties its tables again).
            self.SQLALCHEMY_ENGINE_OPTIONS["connect_args"] = {"options": "-c jit=off -c synchronous_commit=off"}
        self.RATELIMIT_STORAGE_URI = "memory://"
        # Most tests post forms directly; tests/test_security.py turns CSRF back on.
        self.WTF_CSRF_ENABLED = False
        # Tests never reach a real mail server: messages go to the log unless a test sets one.
        self.MAIL_SERVER = ""


def _test_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return database_url(_instance_path())
    return "sqlite://"
