"""Account administration and the audit log."""
from datetime import date, timedelta

import sqlalchemy as sa

from najma.audit import AuditEvent
from najma.auth.models import RoleAssignment, User
from tests.conftest import PASSWORD, make_user


def _count(db, model):
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_admin_creates_an_account_and_gives_it_a_scoped_role(client, db, login_as, territory):
    login_as("admin")
    response = client.post("/admin/users/new", data={"full_name": "Amina Idrissi", "email": "Amina@Example.org",
                                                     "password": "long enough password"})
    assert response.status_code == 302
    user = db.session.execute(sa.select(User).where(User.email == "amina@example.org")).scalar_one()
    response = client.post(f"/admin/users/{user.id}/roles", data={"role": "antenna_staff",
                                                                  "territory_id": territory.id, "chantier_id": 0})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.has_role("antenna_staff", territory_id=territory.id)
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Azilal" in page


def test_scoped_role_without_its_territory_is_refused(client, db, login_as):
    login_as("admin")
    user = make_user()
    client.post(f"/admin/users/{user.id}/roles", data={"role": "delegate", "territory_id": 0, "chantier_id": 0})
    assert _count(db, RoleAssignment) == 1  # only the admin's own role


def test_duplicate_email_re_renders_with_a_message_and_writes_nothing(client, db, login_as):
    login_as("admin")
    make_user(email="taken@example.org")
    before = _count(db, User)
    response = client.post("/admin/users/new", data={"full_name": "X", "email": "TAKEN@example.org",
                                                     "password": "long enough password"})
    assert response.status_code == 400
    assert "already" in response.get_data(as_text=True) or "déjà" in response.get_data(as_text=True)
    assert _count(db, User) == before


def test_short_password_is_refused(client, db, login_as):
    login_as("admin")
    before = _count(db, User)
    assert client.post("/admin/users/new", data={"full_name": "X", "email": "x@example.org",
                                                 "password": "short"}).status_code == 400
    assert _count(db, User) == before


def test_deactivate_and_reactivate(client, db, login_as):
    login_as("admin")
    user = make_user(email="d@example.org")
    client.post(f"/admin/users/{user.id}/active", data={"active": "0"})
    assert db.session.get(User, user.id).active is False
    client.post(f"/admin/users/{user.id}/active", data={"active": "1"})
    assert db.session.get(User, user.id).active is True


def test_admin_cannot_deactivate_themselves_or_drop_the_last_admin_role(client, db, login_as):
    admin = login_as("admin")
    client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    assert db.session.get(User, admin.id).active is True
    grant = db.session.get(User, admin.id).roles[0]
    client.post(f"/admin/users/{admin.id}/roles/{grant.id}/revoke")
    assert db.session.get(User, admin.id).has_role("admin")


def test_revoke_role(client, db, login_as):
    login_as("admin")
    user = make_user("evaluator")
    grant = user.roles[0]
    client.post(f"/admin/users/{user.id}/roles/{grant.id}/revoke")
    assert not db.session.get(User, user.id).has_role("evaluator")


def test_admin_resets_a_password(client, db, login_as):
    login_as("admin")
    user = make_user()
    client.post(f"/admin/users/{user.id}/password", data={"password": "a brand new password"})
    assert db.session.get(User, user.id).check_password("a brand new password")
    client.post(f"/admin/users/{user.id}/password", data={"password": "short"})
    assert db.session.get(User, user.id).check_password("a brand new password")


def test_user_list_search(client, db, login_as):
    login_as("admin")
    make_user(name="Zineb Chraibi")
    make_user(name="Omar Tazi")
    page = client.get("/admin/users?q=zineb").get_data(as_text=True)
    assert "Zineb Chraibi" in page and "Omar Tazi" not in page


def test_audit_log_records_changes_with_before_and_after(client, db, login_as, territory):
    login_as("steering")
    client.post(f"/territories/{territory.slug}/edit", data={
        "name": "Azilal Centre", "province_id": territory.province_id, "setting": "periurban",
        "phase": "appropriation", "cohort": "Pilotes", "description": "Nouveau"})
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "update",
                                                           AuditEvent.object_type == "Territory")).scalar_one()
    assert event.changes["name"] == {"before": "Azilal", "after": "Azilal Centre"}
    assert event.changes["setting"] == {"before": "rural", "after": "periurban"}
    assert "phase" not in event.changes  # the phase moves through its gate, never from this form
    assert event.territory_id == territory.id
    page = client.get("/admin/audit?object_type=Territory&verb=update").get_data(as_text=True)
    assert "Azilal Centre" in page and "periurban" in page


def test_audit_log_filters(client, db, login_as, territory):
    admin = login_as("admin")
    make_user(email="someone@example.org")
    page = client.get("/admin/audit?verb=create&object_type=User").get_data(as_text=True)
    assert "someone@example.org" in page
    assert "someone@example.org" not in client.get("/admin/audit?verb=update").get_data(as_text=True)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert "someone@example.org" not in client.get(f"/admin/audit?since={tomorrow}").get_data(as_text=True)
    assert "someone@example.org" in client.get(f"/admin/audit?until={tomorrow}&since=not-a-date").get_data(as_text=True)
    assert admin.email  # the admin browsing is itself not an event


def test_steering_reads_the_audit_log_but_evaluator_does_not(client, login_as):
    login_as("evaluator")
    assert client.get("/admin/audit").status_code == 403
    login_as("steering")
    assert client.get("/admin/audit").status_code == 200


def test_passwords_never_appear_in_the_audit_log(client, db, login_as):
    login_as("admin")
    client.post("/admin/users/new", data={"full_name": "P", "email": "p@example.org", "password": PASSWORD})
    for changes in db.session.execute(sa.select(AuditEvent.changes)).scalars():
        assert PASSWORD not in str(changes) and "password_hash" not in str(changes)
