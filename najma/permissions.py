"""Every permission question in NAJMA, answered in one place: ``can(user, action, obj)``.

Views call :func:`require` (403 when refused) and templates call ``can`` to show or hide
the same buttons, so the interface and the routes never disagree. Rules:

* admin may do everything; steering members and evaluators read everything;
* steering members create territories, set phases, browse the audit log and import the
  boundaries of communes, provinces and regions (a territory's own boundary is part of editing it);
* everyone signed in reads the maps, census figures and territory profiles;
* scoped roles (antenna staff, delegate, commission and committee members) act only on
  their own territory;
* viewers read territories, bodies and adopted minutes, and write nothing;
* adopted minutes are locked for everyone;
* a territory's actor map is read by whoever reads the territory, and edited by its antenna
  staff (and administrators) only.
"""
from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user

#: Role whose holders may manage the composition of each kind of body.
_MANAGE_MEMBERS = {
    "antenna": ("delegate",),
    "commission": ("delegate", "antenna_staff"),
    "committee": ("delegate",),
    "steering": ("steering",),
}
#: Roles who organise meetings and write minutes for each kind of body.
_WRITE_MEETINGS = {
    "antenna": ("antenna_staff", "delegate"),
    "commission": ("antenna_staff", "delegate"),
    "committee": ("delegate", "antenna_staff"),
    "steering": ("steering",),
}
#: Roles who adopt (and so lock) minutes of each kind of body.
_ADOPT_MINUTES = {
    "antenna": ("antenna_staff", "delegate"),
    "commission": ("antenna_staff", "delegate"),
    "committee": ("delegate",),
    "steering": ("steering",),
}
#: The role a seat on each kind of body gives on its territory.
MEMBERSHIP_ROLE = {
    "antenna": "antenna_staff",
    "commission": "commission_member",
    "committee": "committee_member",
    "steering": "steering",
}
#: Actions any signed-in, active user may take.
_READ_ACTIONS = {
    "home.view", "territory.list", "territory.view", "body.view", "meeting.view",
    "reference.view", "markdown.preview", "geo.view", "actor.national",
}
#: Actions decided on global roles only.
_GLOBAL_ACTIONS = {
    "territory.create": ("steering",),
    "territory.set_phase": ("steering",),
    "audit.view": ("steering",),
    "boundary.import": ("steering",),
    "user.manage": (),
}


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _holds(user, roles: tuple[str, ...], territory_id: int | None) -> bool:
    """True when the user holds one of ``roles``; territorial roles must match the territory."""
    for role in roles:
        if role == "steering":
            if user.has_role("steering"):
                return True
        elif territory_id is not None and user.has_role(role, territory_id=territory_id):
            return True
    return False


def _reads_everything(user) -> bool:
    return bool(user.role_codes() & {"admin", "steering", "evaluator"})


def can(user, action: str, obj: Any = None) -> bool:
    """Whether ``user`` may perform ``action`` (on ``obj`` when the action concerns one)."""
    if not _authenticated(user):
        return False
    if action in ("meeting.edit", "meeting.adopt") and obj.is_locked:
        return False  # adopted minutes are locked for everyone, administrators included
    if user.has_role("admin"):
        return True
    if action in _READ_ACTIONS:
        return True
    if action in _GLOBAL_ACTIONS:
        return _holds(user, _GLOBAL_ACTIONS[action], None)
    if action == "territory.edit":
        return user.has_role("steering") or _holds(user, ("delegate", "antenna_staff"), obj.id)
    if action == "actor.view":
        return can(user, "territory.view", obj)
    if action == "actor.edit":
        return _holds(user, ("antenna_staff",), obj.id)
    if action == "chantier.edit":
        return user.has_role("chantier_lead", chantier_id=obj.id)
    if action == "body.manage_members":
        return _holds(user, _MANAGE_MEMBERS[obj.kind], obj.territory_id)
    if action == "meeting.create":
        return _holds(user, _WRITE_MEETINGS[obj.kind], obj.territory_id)
    if action == "meeting.edit":
        return _holds(user, _WRITE_MEETINGS[obj.body.kind], obj.body.territory_id)
    if action == "meeting.adopt":
        return _holds(user, _ADOPT_MINUTES[obj.body.kind], obj.body.territory_id)
    if action == "meeting.view_minutes":
        return _can_read_minutes(user, obj)
    return False


def _can_read_minutes(user, meeting) -> bool:
    """Adopted minutes are read by everyone; drafts by the body's members and its writers."""
    if meeting.is_locked or _reads_everything(user):
        return True
    body = meeting.body
    writers = _WRITE_MEETINGS[body.kind] + (MEMBERSHIP_ROLE[body.kind],)
    return _holds(user, writers, body.territory_id)


def require(action: str, obj: Any = None) -> None:
    """Abort with 403 unless the current user may perform ``action`` on ``obj``."""
    if not can(current_user, action, obj):
        if action in ("meeting.edit", "meeting.adopt") and obj.is_locked:
            from flask_babel import gettext as _

            abort(403, description=_("These minutes are adopted and locked; they can no longer change."))
        abort(403)
