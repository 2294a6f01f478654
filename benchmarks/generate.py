"""Generate benchmark data at national scale into a fresh database.

    python -m benchmarks.generate [--scale national|small|tiny] [--db PATH] [--seed N] [--force]

Everything generated is labelled as benchmark data: territories are named ``Bench 0001``...,
people ``... (bench)``, accounts ``benchNNNNN@bench.najma.invalid``, cohort ``Benchmark``.

Territories (and so their antenna, commission and committee) go through
:func:`najma.territories.services.create_territory`, like the application does; every other
row is inserted in bulk with SQLAlchemy Core ``insert()`` executemany, with one password hash
shared by every account. The output is deterministic for a given seed, scale and day (meeting
dates are spread around today so that pages show both upcoming and past meetings).

Next to a SQLite file ``X.sqlite`` the generator writes ``X.sqlite.json``: the scale, seed,
row counts and generation time. ``benchmarks.run`` reads it to decide whether the file can
be reused.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from benchmarks import OUT_DIR

#: Password of every benchmark account (one hash, computed once).
BENCH_PASSWORD = "bench-password-2026"
BENCH_DOMAIN = "bench.najma.invalid"
BENCH_COHORT = "Benchmark"
#: Bumped when the generated data changes, so that ``benchmarks.run`` regenerates older files.
GENERATOR_VERSION = 4


@dataclass(frozen=True)
class Scale:
    """How much to generate. ``memberships`` counts every seat, the benchmark committee's included."""

    name: str
    territories: int
    users: int
    memberships: int
    meetings: int
    audit_events: int
    hot_members: int  # seats (current and past) on the benchmark committee, territory Bench 0001
    hot_meetings: int  # meetings of that committee
    steering_members: int
    steering_meetings: int
    attended_meetings: int  # past meetings whose attendance is recorded


SCALES = {
    # The requirement: 83 provinces, 400 territories, 5,000 users, 20,000 seats, 10,000 meetings.
    "national": Scale("national", territories=400, users=5000, memberships=20000, meetings=10000,
                      audit_events=20000, hot_members=240, hot_meetings=400, steering_members=15,
                      steering_meetings=40, attended_meetings=1000),
    # Small enough that every paginated list shows fewer rows than at national scale.
    "small": Scale("small", territories=10, users=40, memberships=300, meetings=150, audit_events=20,
                   hot_members=20, hot_meetings=8, steering_members=4, steering_meetings=4,
                   attended_meetings=20),
    "tiny": Scale("tiny", territories=3, users=20, memberships=60, meetings=30, audit_events=10,
                  hot_members=9, hot_meetings=4, steering_members=3, steering_meetings=3,
                  attended_meetings=5),
}

_FIRST = ("Fatima", "Ahmed", "Zineb", "Mustapha", "Naima", "Abdelali", "Samira", "Brahim", "Aicha", "Driss",
          "Hajar", "Karim", "Loubna", "Rachid", "Salma", "Tarik", "Yasmine", "Omar", "Imane", "Hicham")
_LAST = ("Amrani", "Boukhris", "Chraibi", "El Fassi", "Haddad", "Jabri", "Kettani", "Lahlou", "Mernissi",
         "Naciri", "Ouazzani", "Rifai", "Sbai", "Tazi", "Zeroual", "Bennis", "Alami", "Berrada")
_DISCIPLINES = ("Sociologie", "Travail social", "Psychologie", "Animation", "Économie sociale", "Éducation")
_REQUIRED = ("communes", "non_formal_education", "youth_sport", "health", "employment_training", "associations")
_ALL_SECTORS = _REQUIRED + ("businesses", "artisans", "entraide_nationale", "other")
_PHASES = ("launch", "experimentation", "appropriation", "extension", "generalisation")
_PHASE_WEIGHTS = (30, 25, 20, 15, 10)
_SETTINGS = ("urban", "periurban", "rural")
_MEMBERSHIP_ROLE = {"antenna": "antenna_staff", "commission": "commission_member",
                    "committee": "committee_member", "steering": "steering"}
_MINUTES = ("## Points abordés\n\n1. Suivi des actions du trimestre\n2. Carte des acteurs\n\n"
            "## Échanges\n\nLes membres ont fait le point sur les actions en cours (**données de benchmark**).\n")


def database_url(db: str | Path) -> str:
    """The SQLAlchemy URL of the SQLite file ``db``."""
    return f"sqlite:///{Path(db).resolve()}"


def bench_config(url: str):
    """TestConfig (CSRF off, memory rate limits) pointed at ``url``."""
    from najma.config import TestConfig

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    config.SQLALCHEMY_ENGINE_OPTIONS = {}
    return config


def default_db_path(scale: str) -> Path:
    return OUT_DIR / f"{scale}.sqlite"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)} (bench)"


def _insert(table, rows: list[dict], chunk: int = 5000) -> None:
    from najma.extensions import db

    for start in range(0, len(rows), chunk):
        db.session.execute(sa.insert(table), rows[start:start + chunk])


def _next_id(model) -> int:
    from najma.extensions import db

    return (db.session.execute(sa.select(sa.func.max(model.id))).scalar() or 0) + 1


def generate(app, scale: Scale, seed: int = 1, *, verbose: bool = True) -> dict:
    """Fill ``app``'s (empty) database with ``scale``'s data; return row counts and timings."""
    from najma.audit import AuditEvent
    from najma.auth.models import RoleAssignment, User
    from najma.extensions import db
    from najma.geography.models import Province
    from najma.geography.services import load_regions_and_provinces
    from najma.governance.models import Attendance, Body, Decision, Meeting, Membership
    from najma.governance.services import get_steering_body
    from najma.reference.services import seed_reference_data
    from najma.territories.models import Territory
    from najma.territories.services import create_territory

    rng = random.Random(seed)
    started = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - since, 2)
        return now

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            # Generated data can always be generated again: skip the fsync on every commit.
            @sa.event.listens_for(engine, "connect")
            def _fast(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA synchronous=OFF")
                cursor.close()
        db.create_all()
        if db.session.execute(sa.select(sa.func.count()).select_from(Territory)).scalar() or \
                db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar():
            raise SystemExit("The database already holds territories or users; benchmarks need a fresh one.")

        t = time.perf_counter()
        load_regions_and_provinces()
        seed_reference_data()
        steering = get_steering_body()
        provinces = list(db.session.execute(sa.select(Province.id).order_by(Province.code)).scalars())
        t = lap("geography", t)

        # Territories, through the service, spread over every province (a few more in some).
        order = provinces[:]
        rng.shuffle(order)
        for n in range(scale.territories):
            province_id = order[n % len(order)]
            create_territory(None, {
                "name": f"Bench {n + 1:04d}", "province_id": province_id, "setting": rng.choice(_SETTINGS),
                "phase": rng.choices(_PHASES, _PHASE_WEIGHTS)[0], "cohort": BENCH_COHORT,
                "description": "Territoire de benchmark (données générées).",
            })
        bodies = db.session.execute(
            sa.select(Body.id, Body.kind, Body.territory_id, Territory.slug).join(Territory)
            .order_by(Territory.id, Body.id)).all()
        t = lap("territories", t)

        now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
        today = now.date()

        # Users: a few global roles first, then the people who sit on bodies.
        password_hash = generate_password_hash(BENCH_PASSWORD)
        first_user = _next_id(User)
        users = []
        for n in range(scale.users):
            users.append({
                "id": first_user + n, "email": f"bench{n + 1:05d}@{BENCH_DOMAIN}", "full_name": _person(rng),
                "password_hash": password_hash, "active": rng.random() > 0.02 or n < 50, "locale": None,
                "is_demo": False, "last_login_at": None, "created_at": now, "updated_at": now})
        _insert(User.__table__, users)
        user_ids = [u["id"] for u in users]
        n_global = {"admin": 3, "steering": min(10, scale.users // 10), "evaluator": 3, "viewer": 5}
        grants: list[dict] = []
        cursor = 0
        global_users: dict[str, list[int]] = {}
        for role, count in n_global.items():
            global_users[role] = user_ids[cursor:cursor + count]
            for uid in global_users[role]:
                grants.append({"user_id": uid, "role": role, "territory_id": None, "chantier_id": None,
                               "membership_id": None, "created_at": now})
            cursor += count
        pool = user_ids[cursor:] or user_ids
        active_pool = [u["id"] for u in users[cursor:] if u["active"]] or user_ids
        t = lap("users", t)

        # Memberships: every territory gets a complete antenna, commission and committee, the
        # benchmark committee (Bench 0001) gets ``hot_members`` seats, the rest is spread at random.
        first_seat = _next_id(Membership)
        seats: list[dict] = []

        def seat(body_id, kind, territory_id, *, role="member", sector=None, discipline="", link=0.25,
                 ended=0.12):
            start = today - timedelta(days=rng.randint(30, 900))
            end = None
            if rng.random() < ended:
                end = start + timedelta(days=rng.randint(1, max(1, (today - start).days - 1)))
            if link == 1:  # benchmarks sign in as this seat's (active) user
                user_id = rng.choice(active_pool)
            else:
                user_id = rng.choice(pool) if rng.random() < link else None
            row = {"id": first_seat + len(seats), "body_id": body_id, "user_id": user_id,
                   "full_name": _person(rng), "role": role, "sector": sector,
                   "organisation": "Organisation de benchmark", "discipline": discipline,
                   "voting": kind != "antenna" and role != "secretary", "start_date": start, "end_date": end,
                   "created_at": now, "updated_at": now}
            seats.append(row)
            if user_id is not None and end is None:
                grants.append({"user_id": user_id, "role": _MEMBERSHIP_ROLE[kind], "territory_id": territory_id,
                               "chantier_id": None, "membership_id": row["id"], "created_at": now})
                if kind == "committee" and role == "chair":
                    grants.append({"user_id": user_id, "role": "delegate", "territory_id": territory_id,
                                   "chantier_id": None, "membership_id": row["id"], "created_at": now})
            return row

        hot_body = next(b for b in bodies if b.kind == "committee")
        fillable = []
        for body_id, kind, territory_id, _slug in bodies:
            if kind == "antenna":
                for n, discipline in enumerate(rng.sample(_DISCIPLINES, 2)):
                    seat(body_id, kind, territory_id, discipline=discipline, ended=0,
                         link=1 if (n == 0 and territory_id == hot_body.territory_id) else 0.8)
            elif kind == "committee":
                seat(body_id, kind, territory_id, role="chair", sector="entraide_nationale", link=0.9, ended=0)
                for sector in _REQUIRED:
                    if rng.random() > 0.05:  # a few committees lack a required sector
                        seat(body_id, kind, territory_id, sector=sector, ended=0)
                seat(body_id, kind, territory_id, role="secretary", sector="entraide_nationale", ended=0)
            else:
                for _ in range(4):
                    seat(body_id, kind, territory_id, sector=rng.choice(_ALL_SECTORS), ended=0)
            if body_id != hot_body.id and kind != "antenna":
                fillable.append((body_id, kind, territory_id))
        hot_now = sum(1 for s in seats if s["body_id"] == hot_body.id)
        for _ in range(max(0, scale.hot_members - hot_now)):
            seat(hot_body.id, "committee", hot_body.territory_id, sector=rng.choice(_ALL_SECTORS))
        for n in range(scale.steering_members):
            seat(steering.id, "steering", None, role="chair" if n == 0 else "member", sector="other",
                 link=1 if n < 3 else 0.2, ended=0 if n == 0 else 0.12)
        remaining = scale.memberships - len(seats)
        for _ in range(max(0, remaining)):
            body_id, kind, territory_id = rng.choice(fillable)
            seat(body_id, kind, territory_id, sector=rng.choice(_ALL_SECTORS))
        _insert(Membership.__table__, seats)
        _insert(RoleAssignment.__table__, grants)
        t = lap("memberships and roles", t)

        # Meetings over two years back and six months ahead; past ones mostly adopted.
        first_meeting = _next_id(Meeting)
        territorial = [b.id for b in bodies if b.id != hot_body.id]
        plan = ([hot_body.id] * scale.hot_meetings + [steering.id] * scale.steering_meetings)
        plan += [rng.choice(territorial) for _ in range(max(0, scale.meetings - len(plan)))]
        meetings, adopters = [], global_users["admin"]
        for n, body_id in enumerate(plan):
            # The benchmark committee's first meeting is a recent past one (its attendance is recorded).
            days = -rng.randint(1, 60) if n == 0 else rng.randint(-720, 180)
            starts_at = datetime.combine(today + timedelta(days=days),
                                         dtime(rng.choice((9, 10, 14, 15))), tzinfo=timezone.utc)
            past = starts_at < now
            # The benchmark meeting (first of the committee's) is adopted at every scale, so that the
            # meeting page does the same work whatever the size of the database.
            adopted = past and (n == 0 or rng.random() < 0.7)
            has_minutes = adopted or (past and rng.random() < 0.5)
            meetings.append({
                "id": first_meeting + n, "body_id": body_id, "title": f"Bench meeting {n + 1:05d}",
                "starts_at": starts_at,
                "place": "Salle de réunion (bench)", "agenda": "1. Suivi\n2. Questions diverses",
                "minutes": _MINUTES if has_minutes else "", "minutes_status": "adopted" if adopted else "draft",
                "adopted_at": starts_at + timedelta(days=7) if adopted else None,
                "adopted_by_id": rng.choice(adopters) if adopted else None,
                "created_by_id": rng.choice(pool), "version": rng.randint(1, 3) if has_minutes else 1,
                "created_at": now, "updated_at": now})
        _insert(Meeting.__table__, meetings)

        # Attendance for some past meetings (the benchmark committee's latest first), decisions
        # for every adopted meeting.
        seats_by_body: dict[int, list[dict]] = {}
        for s in seats:
            seats_by_body.setdefault(s["body_id"], []).append(s)
        past_meetings = sorted((m for m in meetings if m["starts_at"] < now),
                               key=lambda m: (m["body_id"] != hot_body.id, -m["starts_at"].timestamp()))
        attendance = []
        for m in past_meetings[:scale.attended_meetings]:
            day = m["starts_at"].date()
            for s in seats_by_body.get(m["body_id"], []):
                if s["start_date"] <= day and (s["end_date"] is None or s["end_date"] >= day):
                    attendance.append({"meeting_id": m["id"], "membership_id": s["id"],
                                       "status": rng.choices(("present", "excused", "absent"), (8, 1, 1))[0]})
        _insert(Attendance.__table__, attendance)
        decisions = [{"meeting_id": m["id"], "position": p, "text": f"Décision de benchmark n° {p}."}
                     for m in meetings if m["minutes_status"] == "adopted" for p in range(1, rng.randint(1, 3) + 1)]
        _insert(Decision.__table__, decisions)
        t = lap("meetings", t)

        # Audit events, spread over two years.
        territory_ids = sorted({b.territory_id for b in bodies})
        verbs = (("login", "User"), ("create", "Membership"), ("update", "Meeting"), ("adopt", "Meeting"),
                 ("grant_role", "User"), ("update", "Territory"), ("create", "Meeting"))
        events = []
        for _ in range(scale.audit_events):
            verb, object_type = rng.choice(verbs)
            actor = rng.choice(user_ids)
            events.append({
                "at": now - timedelta(seconds=rng.randint(0, 720 * 86400)), "actor_id": actor,
                "actor_label": f"bench{actor - first_user + 1:05d}@{BENCH_DOMAIN}", "verb": verb,
                "object_type": object_type, "object_id": str(rng.randint(1, 10000)),
                "object_label": f"Bench {object_type.lower()}",
                "territory_id": rng.choice(territory_ids) if rng.random() < 0.8 else None,
                "changes": {"title": {"before": "Ancien titre", "after": "Nouveau titre"}} if verb == "update" else {}})
        _insert(AuditEvent.__table__, events)
        db.session.commit()
        lap("audit", t)

        counts = {}
        for model in (Province, Territory, Body, User, RoleAssignment, Membership, Meeting, Attendance, Decision,
                      AuditEvent):
            counts[model.__tablename__] = db.session.execute(
                sa.select(sa.func.count()).select_from(model)).scalar()
        db.session.remove()
    summary = {"scale": scale.name, "seed": seed, "generator_version": GENERATOR_VERSION,
               "generated_on": today.isoformat(), "counts": counts,
               "seconds": round(time.perf_counter() - started, 2), "timings": timings,
               "parameters": asdict(scale)}
    if verbose:
        print(f"Generated '{scale.name}' benchmark data (seed {seed}) in {summary['seconds']} s:")
        for table, n in counts.items():
            print(f"  {table:<18} {n:>7,}")
        print("  steps: " + ", ".join(f"{k} {v} s" for k, v in timings.items()))
    return summary


def sidecar(db_path: Path) -> Path:
    """The JSON description written next to a generated SQLite file."""
    return db_path.with_name(db_path.name + ".json")


def remove_sqlite(db_path: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".json"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)


def generate_into(db: str | Path, scale: str = "national", seed: int = 1, *, force: bool = False,
                  verbose: bool = True) -> dict:
    """Generate into the SQLite file ``db``; an existing file is replaced only with ``force``."""
    from najma import create_app
    from najma.extensions import db as _db

    path = Path(db).resolve()
    if path.exists():
        if not force:
            raise SystemExit(f"{path} exists; pass --force to replace it.")
        remove_sqlite(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    app = create_app(bench_config(database_url(path)))
    summary = generate(app, SCALES[scale], seed, verbose=verbose)
    with app.app_context():
        _db.engine.dispose()
    sidecar(path).write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="national")
    parser.add_argument("--db", help="SQLite file (default: benchmarks/out/<scale>.sqlite)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--force", action="store_true", help="replace an existing SQLite file")
    args = parser.parse_args(argv)
    generate_into(args.db or default_db_path(args.scale), args.scale, args.seed, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
