"""The home page per role, error pages and the health check."""
from datetime import datetime, timedelta, timezone

from najma import create_app
from najma.config import TestConfig
from najma.governance import services as governance
from najma.territories.services import territory_bodies
from tests.conftest import make_member, make_territory


def _past(days=2):
    return datetime.now(timezone.utc) - timedelta(days=days)


def test_home_shows_my_territory_bodies_meetings_and_what_waits(client, login_as, territory):
    bodies = territory_bodies(territory)
    user = login_as("antenna_staff")
    make_member(bodies["antenna"], user=user, discipline="Sociologie", sector=None)
    governance.create_meeting(None, bodies["antenna"], {"title": "Prochaine réunion",
                                                        "starts_at": datetime.now(timezone.utc) + timedelta(days=3)})
    governance.create_meeting(None, bodies["committee"], {"title": "PV à finir", "starts_at": _past()})
    other = make_territory("Ailleurs")
    governance.create_meeting(None, territory_bodies(other)["antenna"], {
        "title": "Pas la mienne", "starts_at": datetime.now(timezone.utc) + timedelta(days=1)})
    page = client.get("/").get_data(as_text=True)
    assert "Azilal" in page and "Prochaine réunion" in page and "PV à finir" in page
    assert "Pas la mienne" not in page
    # The antenna has one staff member: the gap waits for the antenna too.
    assert 'data-testid="gap"' in page


def test_home_for_a_viewer_without_territory(client, login_as):
    login_as("viewer")
    page = client.get("/").get_data(as_text=True)
    assert client.get("/").status_code == 200
    assert 'data-testid="gap"' not in page


def test_home_for_steering_lists_steering_meetings(client, login_as, db):
    login_as("steering")
    governance.create_meeting(None, governance.get_steering_body(), {
        "title": "Copil national", "starts_at": datetime.now(timezone.utc) + timedelta(days=5)})
    assert "Copil national" in client.get("/").get_data(as_text=True)


def test_not_found_page_uses_the_layout(client, login_as):
    login_as("viewer")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "navbar" in response.get_data(as_text=True)


def test_server_error_page_uses_the_layout_and_hides_the_trace():
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = "sqlite://"  # its own database, never the suite's
    config.SQLALCHEMY_ENGINE_OPTIONS = {}
    app = create_app(config)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        from najma.extensions import db

        db.create_all()
        with app.test_client() as client:
            from najma.auth.services import create_user

            user = create_user(None, "e@example.org", "E", "long enough pw")
            with client.session_transaction() as session:
                session["_user_id"] = str(user.id)
            response = client.get("/boom")
        db.drop_all()
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "navbar" in page and "secret internal detail" not in page


def test_health_is_public(client):
    assert client.get("/health").get_json() == {"status": "ok"}
