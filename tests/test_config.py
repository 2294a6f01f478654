"""Configuration from the environment: secret key, database URL, cookies."""
import os
import stat

from najma import create_app
from najma.config import Config, database_url, load_or_create_secret_key


def test_secret_key_is_generated_once_with_mode_0600(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_or_create_secret_key(tmp_path)
    assert len(first) >= 64
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600
    assert load_or_create_secret_key(tmp_path) == first


def test_secret_key_from_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert load_or_create_secret_key(tmp_path) == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_default_database_is_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url(tmp_path) == f"sqlite:///{tmp_path / 'najma.db'}"


def test_database_url_selects_postgresql_with_psycopg(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/najma")
    assert database_url(tmp_path) == "postgresql+psycopg://u@db/najma"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/najma")
    assert database_url(tmp_path) == "postgresql+psycopg://u@db/najma"


def test_cookies_are_secure_only_over_https(tmp_path, monkeypatch):
    monkeypatch.setenv("NAJMA_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("NAJMA_HTTPS", "1")
    config = Config()
    assert config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE
    assert config.SESSION_COOKIE_HTTPONLY and config.SESSION_COOKIE_SAMESITE == "Lax"
    monkeypatch.delenv("NAJMA_HTTPS")
    assert Config().SESSION_COOKIE_SECURE is False


def test_sqlite_enforces_foreign_keys_and_uses_wal(tmp_path, monkeypatch):
    monkeypatch.setenv("NAJMA_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    from najma.extensions import db

    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        db.engine.dispose()


def test_postgresql_connections_turn_jit_off(tmp_path, monkeypatch):
    """The JIT would compile each full-text search for about a second; SQLite gets no such option."""
    monkeypatch.setenv("NAJMA_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/najma")
    assert Config().SQLALCHEMY_ENGINE_OPTIONS["connect_args"] == {"options": "-c jit=off"}
    monkeypatch.delenv("DATABASE_URL")
    assert "connect_args" not in Config().SQLALCHEMY_ENGINE_OPTIONS


def test_processes_starting_together_share_one_secret_key(tmp_path, monkeypatch):
    """Test workers and server workers start at the same moment on a fresh clone."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _n: load_or_create_secret_key(tmp_path), range(32)))
    assert len(keys) == 1 and (tmp_path / "secret_key").read_text().strip() in keys
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]
