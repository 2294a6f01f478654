"""Sign in, sign out, password change and language preference."""
import sqlalchemy as sa

from najma.audit import AuditEvent
from najma.auth import services
from najma.auth.models import User
from tests.conftest import PASSWORD, make_user


def test_sign_in_with_email_in_any_case_then_sign_out(client, db):
    user = make_user(email="khadija@example.org")
    response = client.post("/auth/login", data={"email": "  KHADIJA@example.org ", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert db.session.get(User, user.id).last_login_at is not None
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_gets_one_message_and_no_session(client, db):
    make_user(email="k@example.org")
    response = client.post("/auth/login", data={"email": "k@example.org", "password": "nope"})
    assert response.status_code == 400
    assert "wrong password" in response.get_data(as_text=True) or "mot de passe" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_email_gets_the_same_message_as_a_wrong_password(client, db):
    make_user(email="k@example.org")
    wrong = client.post("/auth/login", data={"email": "k@example.org", "password": "nope"}).get_data(as_text=True)
    unknown = client.post("/auth/login", data={"email": "x@example.org", "password": "nope"}).get_data(as_text=True)
    extract = lambda page: page.split('role="alert"', 1)[1].split("</div>", 1)[0]  # noqa: E731
    assert extract(wrong) == extract(unknown)


def test_deactivated_account_cannot_sign_in_and_loses_its_session(client, db, login_as):
    user = make_user(email="gone@example.org")
    login_as(None, user=user)
    assert client.get("/").status_code == 200
    services.set_active(None, user, False)
    assert client.get("/").status_code == 302
    assert client.post("/auth/login", data={"email": "gone@example.org", "password": PASSWORD}).status_code == 400


def test_password_change(client, db, login_as):
    user = login_as("viewer")
    bad = client.post("/auth/password", data={"current_password": "wrong", "new_password": "new password 123",
                                              "confirm": "new password 123"})
    assert bad.status_code == 400
    assert db.session.get(User, user.id).check_password(PASSWORD)
    mismatch = client.post("/auth/password", data={"current_password": PASSWORD, "new_password": "new password 123",
                                                   "confirm": "other password 123"})
    assert mismatch.status_code == 400
    short = client.post("/auth/password", data={"current_password": PASSWORD, "new_password": "short",
                                                "confirm": "short"})
    assert short.status_code == 400
    ok = client.post("/auth/password", data={"current_password": PASSWORD, "new_password": "new password 123",
                                             "confirm": "new password 123"})
    assert ok.status_code == 302
    assert db.session.get(User, user.id).check_password("new password 123")
    verbs = db.session.execute(sa.select(AuditEvent.verb).where(AuditEvent.actor_id == user.id)).scalars().all()
    assert "change_password" in verbs


def test_password_is_stored_hashed(db):
    user = make_user()
    assert PASSWORD not in user.password_hash and user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_language_choice_is_remembered_on_the_account(client, db, login_as):
    user = login_as("viewer")
    response = client.post("/language/ar", data={"next": "/territories/"})
    assert response.status_code == 302 and response.headers["Location"] == "/territories/"
    assert db.session.get(User, user.id).locale == "ar"
    page = client.get("/territories/").get_data(as_text=True)
    assert 'dir="rtl"' in page and 'lang="ar"' in page and "bootstrap.rtl.min.css" in page


def test_language_switch_works_before_signing_in(client, db):
    client.post("/language/en", data={"next": "/auth/login"})
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'lang="en"' in page and 'dir="ltr"' in page


def test_unknown_language_is_404(client, db):
    assert client.post("/language/xx").status_code == 404


def test_language_switch_refuses_off_site_next(client, db):
    response = client.post("/language/fr", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
