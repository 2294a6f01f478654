"""CSRF, Markdown sanitising, sign-in rate limit, headers and cookies."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from najma import markdown_render
from najma.governance import services as governance
from najma.governance.models import Meeting
from najma.territories.services import territory_bodies
from tests.conftest import PASSWORD, make_user

XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)></svg>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<p onclick=\"alert(1)\">x</p>",
    "<form action=\"https://evil.example\"><input name=a></form>",
    "<object data=\"x.swf\"></object>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "![x](javascript:alert(1))",
    "<scr<script>ipt>alert(1)</script>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<details open ontoggle=alert(1)>",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
    "<base href=\"https://evil.example/\">",
]
DANGEROUS = re.compile(r"<script|<iframe|<object|<svg|<style|<form|<meta|<base|\son\w+\s*=|javascript:|data:text|"
                       r"style=", re.IGNORECASE)


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_markdown_sanitiser_neutralises_vector(vector):
    html = str(markdown_render.render(vector))
    assert not DANGEROUS.search(html), html


def test_markdown_keeps_ordinary_formatting():
    html = str(markdown_render.render("## Titre\n\n- **gras** et *italique*\n\n[lien](https://example.org)"))
    assert "<h2>Titre</h2>" in html and "<strong>gras</strong>" in html and "<em>italique</em>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer nofollow"' in html


@pytest.fixture
def draft_meeting(db, territory):
    body = territory_bodies(territory)["committee"]
    return governance.create_meeting(None, body, {"title": "Comité", "starts_at": datetime.now(timezone.utc)
                                                  - timedelta(days=1)})


def test_xss_vectors_through_minutes_render_inert(client, login_as, draft_meeting, territory):
    login_as("delegate")
    client.post(f"/meetings/{draft_meeting.id}/minutes",
                data={"minutes": "\n\n".join(XSS_VECTORS), "version": draft_meeting.version})
    page = client.get(f"/meetings/{draft_meeting.id}").get_data(as_text=True)
    minutes = page.split('data-testid="minutes"', 1)[1].split("</section>", 1)[0]
    assert not DANGEROUS.search(minutes), minutes


def _csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True


def test_post_without_csrf_token_is_refused_and_writes_nothing(app, client, login_as, draft_meeting):
    _csrf_app(app)
    login_as("delegate")
    response = client.post(f"/meetings/{draft_meeting.id}/minutes",
                           data={"minutes": "Texte", "version": draft_meeting.version})
    assert response.status_code == 400
    assert "nothing was saved" in response.get_data(as_text=True) or "rien" in response.get_data(as_text=True)
    assert app.extensions["sqlalchemy"].session.get(Meeting, draft_meeting.id).minutes == ""


def test_post_with_forged_csrf_token_is_refused(app, client, login_as, draft_meeting):
    _csrf_app(app)
    login_as("delegate")
    response = client.post(f"/meetings/{draft_meeting.id}/minutes",
                           data={"minutes": "Texte", "version": draft_meeting.version, "csrf_token": "forged.token"})
    assert response.status_code == 400


def test_stale_csrf_token_from_another_session_is_refused(app, client, login_as, draft_meeting):
    _csrf_app(app)
    login_as("delegate")
    page = client.get(f"/meetings/{draft_meeting.id}/minutes").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    other = app.test_client()
    with other.session_transaction() as session:
        with client.session_transaction() as original:
            session["_user_id"] = original["_user_id"]
    response = other.post(f"/meetings/{draft_meeting.id}/minutes",
                          data={"minutes": "Texte", "version": draft_meeting.version, "csrf_token": token})
    assert response.status_code == 400


def test_post_with_valid_csrf_token_is_accepted(app, client, login_as, draft_meeting):
    _csrf_app(app)
    login_as("delegate")
    page = client.get(f"/meetings/{draft_meeting.id}/minutes").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/meetings/{draft_meeting.id}/minutes",
                           data={"minutes": "Texte", "version": draft_meeting.version, "csrf_token": token})
    assert response.status_code == 302
    assert app.extensions["sqlalchemy"].session.get(Meeting, draft_meeting.id).minutes == "Texte"


def test_markdown_preview_needs_csrf_header_and_sign_in(app, client, login_as):
    _csrf_app(app)
    assert client.post("/markdown/preview", data={"text": "**a**"}).status_code in (302, 400)
    login_as("viewer")
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post("/markdown/preview", data={"text": "**a**<script>x</script>"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.get_json()["html"] == "<p><strong>a</strong></p>"


def test_login_is_rate_limited_with_a_clear_message(app, client, db):
    make_user(email="target@example.org")
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [client.post("/auth/login", data={"email": "target@example.org", "password": "wrong"}).status_code
                    for _ in range(3)]
        assert statuses == [400, 400, 400]
        blocked = client.post("/auth/login", data={"email": "target@example.org", "password": PASSWORD})
        assert blocked.status_code == 429
        assert "Wait a minute" in blocked.get_data(as_text=True) or "minute" in blocked.get_data(as_text=True)
        assert client.get("/auth/login").status_code == 200  # the form itself stays reachable
        other = client.post("/auth/login", data={"email": "colleague@example.org", "password": "x"})
        assert other.status_code == 400  # a colleague on the same network is not locked out
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"


def test_login_attempts_from_one_address_are_capped_across_accounts(app, client, db):
    app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "4 per minute"
    try:
        statuses = [client.post("/auth/login", data={"email": f"u{n}@example.org", "password": "x"}).status_code
                    for n in range(5)]
        assert statuses == [400, 400, 400, 400, 429]
    finally:
        app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "1000 per minute"


def test_security_headers(client):
    response = client.get("/auth/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_no_asset_is_loaded_from_another_host(client, login_as):
    login_as("admin")
    page = client.get("/").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:css|js))"', page)
    assert assets and all(url.startswith("/") for url in assets), assets
    for url in assets:
        assert client.get(url).status_code == 200, url


def test_session_cookie_is_httponly_and_lax(client, db):
    make_user(email="cookie@example.org")
    response = client.post("/auth/login", data={"email": "cookie@example.org", "password": PASSWORD})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_sign_in_never_redirects_off_site(client, db, target):
    make_user(email="next@example.org")
    response = client.post(f"/auth/login?next={target}", data={"email": "next@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_no_template_carries_an_inline_style():
    """The security policy (``style-src 'self'``) makes browsers ignore ``style`` attributes:
    a width or colour set that way silently disappears, so templates use classes, SVG attributes
    or ``<progress>`` instead."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.html")
                 if re.search(r"\sstyle\s*=", path.read_text(encoding="utf-8"))]
    assert offenders == []


@pytest.mark.parametrize("url", [
    "/research/notes/{huge}", "/territories/{slug}/project/versions/{huge}", "/rollout/problems/{huge}",
    "/rollout/problems?territory_id={huge}", "/projects?province_id={huge}", "/rollout/tools?edit={huge}",
])
def test_numbers_too_big_for_a_database_integer_are_bad_input_not_a_crash(client, login, territory, url):
    """A crafted id beyond any integer column is not found (or refused); it never reaches the
    database as an overflow (500 on SQLite, an out-of-range error on PostgreSQL)."""
    login("admin")
    answer = client.get(url.format(huge=2**70, slug=territory.slug))
    assert answer.status_code in (200, 400, 404)


def test_an_overflowing_query_answers_400(client, login, territory, monkeypatch):
    """The safety net behind the checks: an integer overflow anywhere becomes a 400 page."""
    from najma.territories import views

    def overflow(_slug):
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    monkeypatch.setattr(views, "get_territory", overflow)
    login("admin")
    answer = client.get(f"/territories/{territory.slug}")
    assert answer.status_code == 400 and "navbar" in answer.get_data(as_text=True)
