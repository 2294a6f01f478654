"""The project workflow: one transitions table, and the one service that changes a status.

Nothing else writes ``TerritoryProject.status``. Each transition names the statuses it leaves
from, the status it leads to, who takes it (roles of the territory, ``chair`` for the local
committee's chair) and whether a comment is required; its guard says why it is refused.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Transition:
    """A row of the transitions table."""

    name: str
    sources: tuple[str, ...]
    #: The status it leads to; ``None`` when the vote's outcome decides (approved or rejected).
    target: str | None
    who: tuple[str, ...]
    comment_required: bool = False


TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("submit", ("draft",), "submitted", ("antenna_staff", "commission_member")),
    Transition("start_review", ("submitted",), "under_review", ("chair",)),
    Transition("send_back", ("submitted", "under_review"), "draft", ("chair",), comment_required=True),
    Transition("open_vote", ("under_review",), "voting", ("chair",)),
    Transition("cancel_vote", ("voting",), "under_review", ("chair",), comment_required=True),
    Transition("close_vote", ("voting",), None, ("chair",)),
    Transition("revise", ("rejected",), "draft", ("antenna_staff", "commission_member"), comment_required=True),
    Transition("sign_conventions", ("approved",), "contracted", ("delegate",)),
    Transition("start_execution", ("contracted",), "in_execution", ("delegate", "antenna_staff")),
    Transition("evaluate", ("in_execution",), "evaluated", ("delegate",), comment_required=True),
)}
