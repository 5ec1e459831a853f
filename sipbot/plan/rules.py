"""What a plan must hold, and what changed between two versions. No database, no channel.

The guide (seed 001, ch. 2) requires a main responsible from a huvudman: the municipality's
social services or the region's health care. Which actors are which is fixed here, once:
the flow's main-responsible question offers the same ones (conversations/sip_request.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from sipbot.plan.model import PARTY_KINDS, Action, Goal, PlanContent

MUNICIPAL = ("hemtjanst", "hemsjukvard", "socialtjanst", "lss")  # kommunen
REGIONAL = ("vardcentral", "psykiatri", "habilitering")  # regionen (landstinget)
HUVUDMAN = (*REGIONAL, *MUNICIPAL)


@dataclass(frozen=True)
class Problem:
    """Why a plan cannot be made as it is: a code, and the goal or action it is about."""

    code: str  # no_goal, no_main, main_not_huvudman, no_what, no_responsible, unknown_actor,
    #            end_before_start, ongoing_with_end
    key: str | None = None


def problems(content: PlanContent, actors: list[str] | tuple[str, ...]) -> list[Problem]:
    """Everything that stops ``content`` from being made a version; empty when it may be.

    ``actors`` are the deployment's actor ids: a responsible organisation must be one.
    """
    found: list[Problem] = []
    if not any(g.text.strip() for g in content.goals):
        found.append(Problem("no_goal"))
    if content.main is None:
        found.append(Problem("no_main"))
    elif content.main.actor not in HUVUDMAN or content.main.actor not in actors:
        found.append(Problem("main_not_huvudman"))
    for _goal, action in content.actions():
        found += _action_problems(action, actors)
    return found


def _action_problems(action: Action, actors: list[str] | tuple[str, ...]) -> list[Problem]:
    found: list[Problem] = []
    key = action.key
    if not action.what.strip():
        found.append(Problem("no_what", key))
    if not action.responsible:
        found.append(Problem("no_responsible", key))
    for party in action.responsible:
        if party.kind not in PARTY_KINDS or (party.kind == "actor" and not party.actor):
            found.append(Problem("no_responsible", key))
        elif party.actor is not None and party.actor not in actors:
            found.append(Problem("unknown_actor", key))
        elif party.kind in ("staff", "relative") and not party.name.strip():
            found.append(Problem("no_responsible", key))
    if action.start and action.end and action.end < action.start:
        found.append(Problem("end_before_start", key))
    if action.ongoing and action.end is not None:
        found.append(Problem("ongoing_with_end", key))
    return found


def huvudman_of(content: PlanContent, goal: Goal) -> set[str]:
    """Which huvudman has actions toward ``goal``: "municipality", "region", both or none
    (the county form's Kommunens / Landstingets / Gemensamma mål)."""
    sides: set[str] = set()
    for action in goal.actions:
        for party in action.responsible:
            if party.actor in MUNICIPAL:
                sides.add("municipality")
            elif party.actor in REGIONAL:
                sides.add("region")
    return sides


# -- what changed --------------------------------------------------------------------------

TEXT_FIELDS = ("why", "situation", "strengths", "long_goal", "person_view")


@dataclass(frozen=True)
class Change:
    """One difference between two versions.

    kind: text (``field`` names which), goal_added, goal_removed, goal_changed,
    action_added, action_removed, action_changed (``field``s: what, how_often,
    responsible, start, end, ongoing, person_view), main, participants, followup.
    ``key`` is the goal's or action's key; ``text`` what it says now (or said, if removed).
    """

    kind: str
    key: str | None = None
    text: str = ""
    field: str = ""


def changes(old: PlanContent, new: PlanContent) -> list[Change]:
    """What changed from ``old`` to ``new``, in the plan's order: texts, goals and their
    actions, the main responsible, the participants, the follow-up."""
    out = [Change("text", field=f) for f in TEXT_FIELDS if getattr(old, f) != getattr(new, f)]
    old_goals = {g.key: g for g in old.goals}
    new_keys = {g.key for g in new.goals}
    old_actions = {a.key: a for _, a in old.actions()}
    new_action_keys = {a.key for _, a in new.actions()}
    for goal in new.goals:
        before = old_goals.get(goal.key)
        if before is None:
            out.append(Change("goal_added", goal.key, goal.text))
        elif before.text != goal.text:
            out.append(Change("goal_changed", goal.key, goal.text))
        for action in goal.actions:
            was = old_actions.get(action.key)
            if was is None:
                out.append(Change("action_added", action.key, action.what))
                continue
            out += [
                Change("action_changed", action.key, action.what, f.name)
                for f in fields(Action)
                if f.name != "key" and getattr(was, f.name) != getattr(action, f.name)
            ]
    out += [Change("goal_removed", g.key, g.text) for g in old.goals if g.key not in new_keys]
    out += [
        Change("action_removed", a.key, a.what)
        for _, a in old.actions()
        if a.key not in new_action_keys
    ]
    if old.main != new.main:
        out.append(Change("main"))
    if old.participants != new.participants:
        out.append(Change("participants"))
    if old.followup != new.followup:
        out.append(Change("followup"))
    return out
