"""Comparing two versions of a project: the texts word by word, the actions matched by their
key (added, removed, changed and in which fields), and the budget before and after.

This is what the committee reads after sending a project back for amendment: what the antenna
changed, and only that.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from najma.projects.budget import action_total, summarise
from najma.research.services import diff_html

#: The fields of an action compared between versions, with their names.
ACTION_FIELD_LABELS = {
    "title": _l("Title"),
    "description": _l("Description"),
    "paths": _l("Retained paths"),
    "chantier": _l("Chantier"),
    "target_groups": _l("Target groups"),
    "lead_actor": _l("Lead actor"),
    "partners": _l("Partners"),
    "institution": _l("Entraide Nationale institution"),
    "beneficiaries": _l("Expected beneficiaries"),
    "budget": _l("Budget lines"),
    "dates": _l("Start and end"),
    "indicators": _l("Indicators of result"),
}


@dataclass
class TextChange:
    """One text of the version: its word diff, and whether it changed at all."""

    label: str
    changed: bool
    html: Markup


@dataclass
class ActionChange:
    """One action across the two versions: ``added``, ``removed``, ``changed`` or ``same``."""

    key: str
    state: str
    old: object = None
    new: object = None
    fields: list[str] = field(default_factory=list)
    title_html: Markup = Markup("")
    description_html: Markup = Markup("")
    total_before: Decimal | None = None
    total_after: Decimal | None = None

    @property
    def title(self) -> str:
        return (self.new or self.old).title

    @property
    def field_labels(self) -> list[str]:
        return [str(ACTION_FIELD_LABELS[name]) for name in self.fields]


@dataclass
class VersionComparison:
    """Two versions side by side: their texts, their actions and their budget totals."""

    old: object
    new: object
    texts: list[TextChange]
    actions: list[ActionChange]
    total_before: Decimal
    total_after: Decimal

    @property
    def changed_actions(self) -> list[ActionChange]:
        return [change for change in self.actions if change.state != "same"]

    def count(self, state: str) -> int:
        return sum(1 for change in self.actions if change.state == state)

    @property
    def unchanged(self) -> bool:
        return not self.changed_actions and not any(text.changed for text in self.texts)


def _action_signature(action) -> dict:
    """What is compared of an action, as plain values."""
    return {
        "title": action.title,
        "description": action.description,
        "paths": sorted(path.id for path in action.paths),
        "chantier": action.chantier_id,
        "target_groups": sorted(group.id for group in action.target_groups),
        "lead_actor": action.lead_actor_id,
        "partners": (sorted(actor.id for actor in action.partners), action.partners_text.strip()),
        "institution": (action.institution_actor_id, action.institution_name.strip()),
        "beneficiaries": sorted((b.target_group_id, b.sex, b.expected) for b in action.beneficiaries if b.expected),
        "budget": [(line.item, line.funder, line.amount) for line in action.budget_lines],
        "dates": (action.start_date, action.end_date),
        "indicators": action.indicators_list,
    }


def compare_actions(old, new) -> ActionChange:
    """How one action (same key) differs between two versions."""
    before, after = _action_signature(old), _action_signature(new)
    changed = [name for name in ACTION_FIELD_LABELS if before[name] != after[name]]
    return ActionChange(
        key=new.key, state="changed" if changed else "same", old=old, new=new, fields=changed,
        title_html=diff_html(old.title, new.title), description_html=diff_html(old.description, new.description),
        total_before=action_total(old), total_after=action_total(new))


def compare(old, new) -> VersionComparison:
    """Compare two loaded versions (``services.load_version``) of the same project: the newer's
    actions in its order (added or changed or the same), then those it removed."""
    texts = [
        TextChange(str(_l("Title")), old.title != new.title, diff_html(old.title, new.title)),
        TextChange(str(_l("Context")), old.context != new.context, diff_html(old.context, new.context)),
        TextChange(str(_l("General objective")), old.general_objective != new.general_objective,
                   diff_html(old.general_objective, new.general_objective)),
        TextChange(str(_l("Specific objectives")), old.objectives_list != new.objectives_list,
                   diff_html("\n".join(old.objectives_list), "\n".join(new.objectives_list))),
    ]
    old_actions = {action.key: action for action in old.actions}
    new_keys = {action.key for action in new.actions}
    changes = []
    for action in new.actions:
        previous = old_actions.get(action.key)
        if previous is None:
            changes.append(ActionChange(key=action.key, state="added", new=action, total_after=action_total(action)))
        else:
            changes.append(compare_actions(previous, action))
    for action in old.actions:
        if action.key not in new_keys:
            changes.append(ActionChange(key=action.key, state="removed", old=action,
                                        total_before=action_total(action)))
    return VersionComparison(old=old, new=new, texts=texts, actions=changes,
                             total_before=summarise(old.actions).total, total_after=summarise(new.actions).total)
