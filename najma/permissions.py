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
  staff (and administrators) only;
* research notes are read by level: a draft by the territory's antenna; a shared note also by
  its permanent commission and the provincial delegate; a published note also by its
  committee, the steering committee and evaluators. Only the antenna writes, codes and
  proposes paths; the commission (with the antenna and the delegate) comments on shared notes
  and decides on paths; a deleted note is seen and recovered by its author or an admin.
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
    "reference.view", "markdown.preview", "geo.view", "actor.national", "notification.view",
}
#: Actions decided on global roles only.
_GLOBAL_ACTIONS = {
    "territory.create": ("steering",),
    "audit.view": ("steering",),
    "boundary.import": ("steering",),
    "user.manage": (),
}


#: Visibility levels of research notes, from the most private.
NOTE_LEVELS = ("draft", "shared", "published")
#: The levels of research each territorial role reads on its own territory.
_TERRITORY_NOTE_LEVELS = {
    "antenna_staff": NOTE_LEVELS,
    "commission_member": ("shared", "published"),
    "delegate": ("shared", "published"),
    "committee_member": ("published",),
}
#: Roles who comment on research notes (on their territory) at each level.
_COMMENT_ROLES = {
    "shared": ("antenna_staff", "commission_member", "delegate"),
    "published": ("antenna_staff", "commission_member", "delegate", "committee_member", "steering"),
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
    if action.startswith(("research.", "note.", "path.", "plan.")):
        return _can_research(user, action, obj)
    if action.startswith(("project.", "convention.", "execution.")):
        return _can_project(user, action, obj)
    if action.startswith(("rollout.", "selection.", "problem.", "tool.")):
        return _can_rollout(user, action, obj)
    if action.startswith(("indicator.", "evaluation.")):
        return _can_indicators(user, action, obj)
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


def note_levels(user, territory_id: int) -> tuple[str, ...]:
    """The visibility levels of research notes ``user`` reads on territory ``territory_id``."""
    if not _authenticated(user):
        return ()
    if user.has_role("admin"):
        return NOTE_LEVELS
    levels: set[str] = set()
    if user.role_codes() & {"steering", "evaluator"}:
        levels.add("published")
    for role, granted in _TERRITORY_NOTE_LEVELS.items():
        if user.has_role(role, territory_id=territory_id):
            levels.update(granted)
    return tuple(level for level in NOTE_LEVELS if level in levels)


def research_scope(user) -> tuple[tuple[str, ...], dict[int, tuple[str, ...]]] | None:
    """What research ``user`` reads everywhere, for queries over many territories.

    ``None`` means everything (administrators). Otherwise ``(levels read on every territory,
    {territory_id: levels read there})``; both may be empty (then nothing).
    """
    if not _authenticated(user):
        return ((), {})
    if user.has_role("admin"):
        return None
    everywhere = ("published",) if user.role_codes() & {"steering", "evaluator"} else ()
    territories = {tid: note_levels(user, tid) for tid in user.territory_ids(*_TERRITORY_NOTE_LEVELS)}
    return everywhere, {tid: levels for tid, levels in territories.items() if set(levels) - set(everywhere)}


def _can_research(user, action: str, obj) -> bool:
    """Research rules; ``obj`` is a territory for research.*, plan.*, path.create and path.decide
    on a territory; a note for note.*; a path for path.edit and path.decide."""
    if action in ("research.view", "path.view"):
        return bool(note_levels(user, obj.id))
    if action in ("note.create", "research.code", "path.create"):
        return _holds(user, ("antenna_staff",), obj.id)
    if action == "plan.edit":
        return _holds(user, ("antenna_staff", "delegate"), obj.id)
    if action in ("path.edit", "path.delete"):
        return obj.deleted_at is None and _holds(user, ("antenna_staff",), obj.territory_id)
    if action == "path.decide":
        return obj.deleted_at is None and _holds(
            user, ("antenna_staff", "commission_member", "delegate"), obj.territory_id)
    # note.* : obj is a ResearchNote
    if obj.deleted_at is not None:
        return action in ("note.view", "note.undelete") and obj.author_id == user.id
    if action == "note.view":
        return obj.visibility in note_levels(user, obj.territory_id)
    if action in ("note.edit", "note.share", "note.publish", "note.code"):
        return _holds(user, ("antenna_staff",), obj.territory_id)
    if action == "note.delete":
        return obj.author_id == user.id
    if action == "note.comment":
        roles = _COMMENT_ROLES.get(obj.visibility, ())
        return obj.visibility in note_levels(user, obj.territory_id) and _holds(user, roles, obj.territory_id)
    return False


#: Territorial roles that read the territory's project.
_PROJECT_READERS = ("antenna_staff", "commission_member", "delegate", "committee_member")
#: Who edits a draft project, and who comments on a project before the committee.
_PROJECT_EDITORS = ("antenna_staff", "commission_member")
_PROJECT_COMMENTERS = ("antenna_staff", "commission_member", "delegate", "committee_member")
#: Statuses in which conventions are recorded, and in which execution is followed.
_CONVENTION_STATUSES = ("approved", "contracted", "in_execution")
_EXECUTION_STATUSES = ("contracted", "in_execution")


def is_committee_chair(user, territory_id: int) -> bool:
    """Whether ``user`` chairs the territory's local committee (or stands in for a chair without an
    account, as the provincial delegate)."""
    from najma.projects.committee import chair_user_id

    chair_id = chair_user_id(territory_id)
    if chair_id is not None:
        return chair_id == user.id
    return _holds(user, ("delegate",), territory_id)


def _holds_project_role(user, who: tuple[str, ...], territory_id: int) -> bool:
    """``who`` lists roles, and may name ``chair`` for the committee's chair."""
    if "chair" in who and is_committee_chair(user, territory_id):
        return True
    return _holds(user, tuple(role for role in who if role != "chair"), territory_id)


def _can_project(user, action: str, obj) -> bool:
    """Project rules; ``obj`` is a territory for project.view/create, a ``(project, transition
    name)`` pair for project.transition, a vote for project.vote, a body for project.rules, the
    project otherwise. project.national has no object."""
    if action == "project.national":
        return _reads_everything(user)
    if action == "project.view":
        return _reads_everything(user) or _holds(user, _PROJECT_READERS, obj.id)
    if action == "project.create":
        return _holds(user, _PROJECT_EDITORS, obj.id)
    if action == "project.transition":
        from najma.projects.workflow import TRANSITIONS

        project, name = obj
        return name in TRANSITIONS and _holds_project_role(user, TRANSITIONS[name].who, project.territory_id)
    if action == "project.vote":
        from najma.projects.committee import seat_of

        return obj.state == "open" and seat_of(obj, user) is not None
    if action == "project.rules":
        return obj.kind == "committee" and _holds_project_role(user, ("chair", "delegate"), obj.territory_id)
    if action == "project.edit":
        return obj.status == "draft" and _holds(user, _PROJECT_EDITORS, obj.territory_id)
    if action == "project.comment":
        return obj.status in ("submitted", "under_review") and _holds(user, _PROJECT_COMMENTERS, obj.territory_id)
    if action == "convention.edit":
        return obj.status in _CONVENTION_STATUSES and _holds(user, ("delegate", "antenna_staff"), obj.territory_id)
    if action == "execution.edit":
        return obj.status in _EXECUTION_STATUSES and _holds(user, ("delegate", "antenna_staff"), obj.territory_id)
    return False


#: Territorial roles who raise (and read) the problems of their site.
_PROBLEM_RAISERS = ("antenna_staff", "commission_member", "committee_member", "delegate")


def _can_rollout(user, action: str, obj) -> bool:
    """Rollout rules; ``obj`` is a territory for rollout.transition, rollout.check, problem.raise and
    problem.view, a site problem for problem.solve and problem.close, a chantier for tool.manage;
    no object otherwise."""
    if action in ("rollout.view", "selection.view"):
        return _reads_everything(user)
    if action == "rollout.configure_gates":
        return False  # administrators only (they pass before this point)
    if action in ("rollout.transition", "rollout.override", "rollout.check", "rollout.programme",
                  "rollout.replicate", "selection.edit", "problem.solve", "problem.close"):
        return user.has_role("steering")
    if action == "problem.raise":
        return _holds(user, _PROBLEM_RAISERS, obj.id)
    if action == "problem.view":
        return _reads_everything(user) or _holds(user, _PROBLEM_RAISERS, obj.id)
    if action == "tool.manage":
        return user.has_role("steering") or user.has_role("chantier_lead", chantier_id=obj.id)
    return False


#: Territorial roles who read their territory's indicators and evaluation.
_INDICATOR_READERS = ("antenna_staff", "commission_member", "delegate", "committee_member")


def _can_indicators(user, action: str, obj) -> bool:
    """Indicator rules; ``obj`` is a territory for the territorial actions (enter, validate, correct,
    view_pending, evaluation.*), none for indicator.view, indicator.approve, indicator.decide and indicator.manage."""
    if action == "indicator.view":
        return _reads_everything(user) or bool(user.territory_ids(*_INDICATOR_READERS))
    if action in ("indicator.manage", "indicator.approve"):
        return user.has_role("steering")
    if action == "indicator.decide":
        # The list of values awaiting a step: the steering committee's approvals, a delegate's validations.
        return user.has_role("steering") or bool(user.territory_ids("delegate"))
    if action == "indicator.enter":
        return _holds(user, ("antenna_staff",), obj.id)
    if action == "indicator.validate":
        return _holds(user, ("delegate",), obj.id)
    if action == "indicator.correct":
        return _holds(user, ("antenna_staff", "delegate"), obj.id)
    if action == "indicator.view_pending":
        return user.has_role("steering") or _holds(user, ("antenna_staff", "delegate"), obj.id)
    if action == "evaluation.view":
        return _reads_everything(user) or _holds(user, _INDICATOR_READERS, obj.id)
    if action == "evaluation.write":
        return _holds(user, ("antenna_staff", "commission_member", "delegate"), obj.id)
    return False


def require(action: str, obj: Any = None) -> None:
    """Abort with 403 unless the current user may perform ``action`` on ``obj``."""
    if not can(current_user, action, obj):
        if action in ("meeting.edit", "meeting.adopt") and obj.is_locked:
            from flask_babel import gettext as _

            abort(403, description=_("These minutes are adopted and locked; they can no longer change."))
        abort(403)
