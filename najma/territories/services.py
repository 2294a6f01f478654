"""Territories: creating them with their three bodies, editing, listing, and per-user views."""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from najma import audit
from najma.errors import DomainError
from najma.extensions import db
from najma.geography.models import Province, Region
from najma.governance.models import Body
from najma.territories.models import Territory
from najma.vocab import PHASES, SETTINGS

#: Each territory has one body of each of these kinds, created with it.
TERRITORIAL_BODIES = ("antenna", "commission", "committee")
EDITABLE_FIELDS = ("name", "province_id", "setting", "cohort", "description")


def slugify(text: str) -> str:
    """An ASCII, lowercase, hyphenated slug (``El Haouz`` -> ``el-haouz``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "territoire"


def _unique_slug(base: str, exclude_id: int | None = None) -> str:
    base = base[:72].rstrip("-") or "territoire"  # leaves room for "-NN" within the 80-character column
    slug, n = base, 2
    while True:
        query = sa.select(Territory.id).where(Territory.slug == slug)
        if exclude_id is not None:
            query = query.where(Territory.id != exclude_id)
        if db.session.execute(query).first() is None:
            return slug
        slug, n = f"{base}-{n}", n + 1


def _validate(data: dict) -> None:
    if not (data.get("name") or "").strip():
        raise DomainError(_l("A territory needs a name."), field="name")
    if data.get("setting") not in SETTINGS:
        raise DomainError(_l("Choose urban, periurban or rural."), field="setting")
    if "phase" in data and data["phase"] not in PHASES:
        raise DomainError(_l("Unknown rollout phase."), field="phase")
    if data.get("province_id") is None or db.session.get(Province, data["province_id"]) is None:
        raise DomainError(_l("Choose a province."), field="province_id")


def create_territory(actor, data: dict, *, is_demo: bool = False) -> Territory:
    """Create a territory and its antenna, permanent commission and local committee."""
    _validate(data)
    territory = Territory(
        name=data["name"].strip(), slug=_unique_slug(slugify(data.get("slug") or data["name"])),
        province_id=data["province_id"], setting=data["setting"],
        phase=data.get("phase") or "launch", cohort=(data.get("cohort") or "").strip(),
        description=data.get("description") or "", is_demo=is_demo,
    )
    db.session.add(territory)
    db.session.flush()
    for kind in TERRITORIAL_BODIES:
        db.session.add(Body(kind=kind, territory_id=territory.id))
    audit.record(actor, "create", territory, {}, audit.snapshot(territory), territory_id=territory.id)
    db.session.commit()
    return territory


def update_territory(actor, territory: Territory, data: dict, *, may_set_phase: bool) -> Territory:
    """Change a territory's fields; the phase only when ``may_set_phase`` (steering, admin)."""
    merged = {key: getattr(territory, key) for key in EDITABLE_FIELDS + ("phase",)}
    merged.update({key: value for key, value in data.items() if key in EDITABLE_FIELDS + ("phase",)})
    _validate(merged)
    before = audit.snapshot(territory)
    for key in EDITABLE_FIELDS:
        setattr(territory, key, merged[key].strip() if isinstance(merged[key], str) and key != "description"
                else merged[key])
    if may_set_phase:
        territory.phase = merged["phase"]
    audit.record(actor, "update", territory, before, audit.snapshot(territory), territory_id=territory.id)
    db.session.commit()
    return territory


def get_by_slug(slug: str) -> Territory | None:
    """The territory with this slug, or None."""
    return db.session.execute(sa.select(Territory).where(Territory.slug == slug)).scalar_one_or_none()


def list_territories(*, phase: str | None = None, region_code: str | None = None, search: str = "",
                     page: int = 1, per_page: int = 50):
    """Territories filtered by phase, region and name, with province and region in one query."""
    query = (sa.select(Territory).join(Territory.province).join(Province.region)
             .order_by(Region.code, Province.name_fr, Territory.name))
    if phase:
        query = query.where(Territory.phase == phase)
    if region_code:
        query = query.where(Region.code == region_code)
    if search:
        query = query.where(sa.func.lower(Territory.name).like(f"%{search.strip().lower()}%"))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def count_by_phase() -> dict[str, int]:
    """Number of territories in each rollout phase (every phase present, zero included)."""
    counts = dict.fromkeys(PHASES, 0)
    rows = db.session.execute(sa.select(Territory.phase, sa.func.count()).group_by(Territory.phase)).all()
    counts.update({phase: n for phase, n in rows})
    return counts


def territory_bodies(territory: Territory) -> dict[str, Body]:
    """The territory's bodies by kind, in one query."""
    bodies = db.session.execute(sa.select(Body).where(Body.territory_id == territory.id)).scalars()
    return {body.kind: body for body in bodies}
