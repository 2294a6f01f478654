import sqlalchemy as sa
from najma.demo import load_demo, DEMO_PASSWORD
from najma.governance.models import Body, Meeting

def test_smoke(app, client):
    load_demo()
    bodies = app.extensions["sqlalchemy"].session.execute(sa.select(Body.id)).scalars().all()
    meetings = app.extensions["sqlalchemy"].session.execute(sa.select(Meeting.id)).scalars().all()
    for email in ["admin", "lecteur", "antenne.azilal", "pilotage", "delegue.azilal"]:
        r = client.post("/auth/login", data={"email": f"{email}@demo.najma.ma", "password": DEMO_PASSWORD})
        assert r.status_code == 302, r.text
        urls = ["/", "/territories/", "/territories/azilal", "/territories/azilal/edit", "/territories/new", "/steering", "/chantiers", "/chantiers/listening", "/target-groups", "/admin/users", "/admin/audit", "/auth/password", "/admin/users/1"]
        urls += [f"/bodies/{b}" for b in bodies] + [f"/meetings/{m}" for m in meetings] + [f"/meetings/{m}/minutes" for m in meetings] + [f"/bodies/{b}/members/new" for b in bodies[:3]]
        for u in urls:
            r = client.get(u)
            assert r.status_code in (200, 403), (email, u, r.status_code, r.text[:3000])
            print(email, u, r.status_code)
        client.post("/auth/logout")
