"""The role x action matrix of ``najma.permissions.can``, and every route's 302/403/404."""
from datetime import datetime, timedelta, timezone

import pytest

from najma.governance import services as governance
from najma.permissions import can
from najma.territories.services import territory_bodies
from tests.conftest import make_territory, make_user

ROLES = ("admin", "steering", "chantier_lead", "delegate", "committee_member", "commission_member",
         "antenna_staff", "evaluator", "viewer")

# action, object key -> roles allowed (on their own territory "T"; nobody scoped to "U").
MATRIX = {
    ("territory.list", None): set(ROLES),
    ("territory.view", "T"): set(ROLES),
    ("territory.create", None): {"admin", "steering"},
    ("territory.edit", "T"): {"admin", "steering", "delegate", "antenna_staff"},
    ("territory.edit", "U"): {"admin", "steering"},
    ("audit.view", None): {"admin", "steering"},
    ("geo.view", None): set(ROLES),
    ("boundary.import", None): {"admin", "steering"},
    ("user.manage", None): {"admin"},
    ("chantier.edit", "C"): {"admin", "chantier_lead"},
    ("body.view", "T.committee"): set(ROLES),
    ("body.manage_members", "T.antenna"): {"admin", "delegate"},
    ("body.manage_members", "T.commission"): {"admin", "delegate", "antenna_staff"},
    ("body.manage_members", "T.committee"): {"admin", "delegate"},
    ("body.manage_members", "U.committee"): {"admin"},
    ("body.manage_members", "steering"): {"admin", "steering"},
    ("meeting.create", "T.antenna"): {"admin", "delegate", "antenna_staff"},
    ("meeting.create", "T.committee"): {"admin", "delegate", "antenna_staff"},
    ("meeting.create", "U.antenna"): {"admin"},
    ("meeting.create", "steering"): {"admin", "steering"},
    ("meeting.edit", "T.committee.draft"): {"admin", "delegate", "antenna_staff"},
    ("meeting.edit", "T.committee.adopted"): set(),
    ("meeting.adopt", "T.committee.draft"): {"admin", "delegate"},
    ("meeting.adopt", "T.commission.draft"): {"admin", "delegate", "antenna_staff"},
    ("meeting.adopt", "T.committee.adopted"): set(),
    ("meeting.view_minutes", "T.committee.draft"): {"admin", "steering", "evaluator", "delegate",
                                                    "antenna_staff", "committee_member"},
    ("meeting.view_minutes", "T.commission.draft"): {"admin", "steering", "evaluator", "delegate",
                                                     "antenna_staff", "commission_member"},
    ("meeting.view_minutes", "U.committee.draft"): {"admin", "steering", "evaluator"},
    ("meeting.view_minutes", "T.committee.adopted"): set(ROLES),
    ("actor.view", "T"): set(ROLES),
    ("actor.view", "U"): set(ROLES),
    ("actor.edit", "T"): {"admin", "antenna_staff"},
    ("actor.edit", "U"): {"admin"},
    ("actor.national", None): set(ROLES),
}


@pytest.fixture
def world(db, territory):
    """Territory T with draft and adopted meetings, another territory U, a chantier C."""
    other = make_territory("Autre")
    bodies = {f"T.{kind}": body for kind, body in territory_bodies(territory).items()}
    bodies.update({f"U.{kind}": body for kind, body in territory_bodies(other).items()})
    bodies["steering"] = governance.get_steering_body()
    past = datetime.now(timezone.utc) - timedelta(days=3)
    objects = {"T": territory, "U": other, **bodies}
    for key in ("T.committee", "T.commission", "U.committee"):
        objects[f"{key}.draft"] = governance.create_meeting(None, bodies[key], {"title": "R", "starts_at": past})
    adopted = governance.create_meeting(None, bodies["T.committee"], {"title": "A", "starts_at": past})
    governance.save_minutes(None, adopted, "PV", adopted.version)
    objects["T.committee.adopted"] = governance.adopt_minutes(None, adopted)
    from najma.reference.services import list_chantiers

    objects["C"] = list_chantiers()[0]
    return objects


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action,key", sorted(MATRIX, key=str))
def test_can_matrix(world, role, action, key):
    user = make_user(role, territory=world["T"], chantier=world["C"])
    expected = role in MATRIX[(action, key)]
    assert can(user, action, world.get(key)) is expected


def test_anonymous_and_deactivated_users_can_do_nothing(world):
    from flask_login import AnonymousUserMixin

    assert can(AnonymousUserMixin(), "territory.view", world["T"]) is False
    admin = make_user("admin")
    admin.active = False
    assert can(admin, "territory.view", world["T"]) is False


def test_several_roles_on_several_territories_combine(world):
    user = make_user("antenna_staff", territory=world["T"])
    assert not can(user, "meeting.create", world["U.antenna"])
    from najma.auth.services import grant_role

    grant_role(None, user, "antenna_staff", territory_id=world["U"].id)
    assert can(user, "meeting.create", world["U.antenna"])
    assert can(user, "meeting.create", world["T.antenna"])


def test_unknown_action_is_refused_even_for_a_viewer(world):
    assert can(make_user("viewer"), "something.else", world["T"]) is False


# Routes: anonymous users are sent to the sign-in page; forbidden ones answer 403; unknown 404.
PROTECTED_GETS = ["/", "/territories/", "/territories/azilal", "/territories/new", "/steering", "/chantiers",
                  "/target-groups", "/admin/users", "/admin/audit", "/auth/password"]


@pytest.mark.parametrize("path", PROTECTED_GETS)
def test_anonymous_is_redirected_to_sign_in(client, territory, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("path,status", [
    ("/territories/new", 403), ("/admin/users", 403), ("/admin/audit", 403), ("/admin/users/1", 403),
    ("/territories/azilal/edit", 403), ("/territories/nowhere", 404), ("/bodies/99999", 404),
    ("/meetings/99999", 404), ("/members/99999/edit", 404), ("/chantiers/unknown", 404),
])
def test_viewer_gets_403_or_404(client, login_as, path, status):
    login_as("viewer")
    assert client.get(path).status_code == status


@pytest.mark.parametrize("path", ["/territories/new", "/admin/users/new", "/admin/users/1/roles",
                                  "/admin/users/1/active", "/admin/users/1/password"])
def test_forbidden_posts_answer_403_and_change_nothing(client, login_as, db, path):
    from najma.auth.models import User

    viewer = login_as("viewer")
    users_before = db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one()
    response = client.post(path.replace("/1/", f"/{viewer.id}/"),
                           data={"name": "X", "province_id": 1, "setting": "rural", "role": "admin",
                                 "email": "x@example.org", "full_name": "X", "password": "0123456789ab",
                                 "active": "0"})
    assert response.status_code == 403
    assert db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one() == users_before
    assert not db.session.get(User, viewer.id).has_role("admin")


def test_forbidden_json_request_gets_json_403(client, login_as):
    login_as("viewer")
    response = client.get("/admin/users", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.is_json and "error" in response.get_json()
