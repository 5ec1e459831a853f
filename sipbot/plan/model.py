"""The plan's content as values: what the guide's example plans (seed 001, Bilaga 2) and the
county form (end of seed 000) record. Plain data, no database, no channel.

Codes are stored (actor ids, party kinds); words are the staff's own, stored as written.
Goals and actions carry a `key` that stays the same from one version to the next, so a
follow-up can say what changed and, later, how each goal went.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

# Who does an action: an organisation of the deployment, a named professional, the person,
# a relative.
PARTY_KINDS = ("actor", "staff", "person", "relative")


@dataclass(frozen=True)
class Party:
    """One who is responsible for an action. `actor` is the organisation (an actor id),
    required for "actor" and optional for "staff"; `name` is a person's name as written."""

    kind: str
    actor: str | None = None
    name: str = ""


@dataclass(frozen=True)
class Action:
    """An action (insats/aktivitet) toward a goal, with who does it and when."""

    key: str
    what: str
    how_often: str = ""
    responsible: tuple[Party, ...] = ()
    start: date | None = None
    end: date | None = None
    ongoing: bool = False  # "pågår": no end date
    person_view: str = ""  # the person's own view of this action


@dataclass(frozen=True)
class Goal:
    """A short-term goal (kortsiktigt mål) and the actions toward it."""

    key: str
    text: str
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class MainResponsible:
    """Huvudansvarig för planen: always from a huvudman (see sipbot.plan.rules)."""

    actor: str
    name: str = ""
    role: str = ""
    contact: str = ""


@dataclass(frozen=True)
class Participant:
    """Medverkande, as on the county form: kallad, närvarande, fått ett ex av planen."""

    name: str = ""
    role: str = ""  # befattning, or the relation of a relative
    actor: str | None = None  # the organisation, if any; "person" for the person
    contact: str = ""
    invited: bool = True
    present: bool = False
    got_copy: bool = False


@dataclass(frozen=True)
class Followup:
    """When the plan is followed up, what the follow-up covers, who convenes it."""

    at: datetime | None = None
    covers: str = ""
    convener: str = "unit"  # an actor id, or "unit" (the request's SIP intake)


@dataclass(frozen=True)
class PlanContent:
    why: str = ""  # Varför görs denna SIP?
    situation: str = ""  # Aktuell situation/behovsbedömning
    strengths: str = ""  # Vad fungerar bra (styrkor)
    long_goal: str = ""  # Långsiktigt mål
    goals: tuple[Goal, ...] = ()
    person_view: str = ""  # Personens egna uppfattning om insatserna
    main: MainResponsible | None = None
    participants: tuple[Participant, ...] = ()
    followup: Followup = field(default_factory=Followup)

    def actions(self) -> list[tuple[Goal, Action]]:
        return [(goal, action) for goal in self.goals for action in goal.actions]


def next_key(content: PlanContent, prefix: str) -> str:
    """A key no goal ("g") or action ("a") of ``content`` has yet."""
    keys = {g.key for g in content.goals} | {a.key for _, a in content.actions()}
    n = 1
    while f"{prefix}{n}" in keys:
        n += 1
    return f"{prefix}{n}"


# -- JSON: how a version is stored and exported --------------------------------------------


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _from_day(value: Any) -> date | None:
    return None if not value else date.fromisoformat(str(value))


def to_json(content: PlanContent) -> dict[str, Any]:
    """The content as JSON: codes and the staff's words, dates ISO 8601, times UTC."""
    main = content.main
    at = content.followup.at
    return {
        "why": content.why,
        "situation": content.situation,
        "strengths": content.strengths,
        "long_goal": content.long_goal,
        "goals": [
            {
                "key": g.key,
                "text": g.text,
                "actions": [
                    {
                        "key": a.key,
                        "what": a.what,
                        "how_often": a.how_often,
                        "responsible": [
                            {"kind": p.kind, "actor": p.actor, "name": p.name}
                            for p in a.responsible
                        ],
                        "start": _day(a.start),
                        "end": _day(a.end),
                        "ongoing": a.ongoing,
                        "person_view": a.person_view,
                    }
                    for a in g.actions
                ],
            }
            for g in content.goals
        ],
        "person_view": content.person_view,
        "main": None
        if main is None
        else {"actor": main.actor, "name": main.name, "role": main.role, "contact": main.contact},
        "participants": [
            {
                "name": p.name,
                "role": p.role,
                "actor": p.actor,
                "contact": p.contact,
                "invited": p.invited,
                "present": p.present,
                "got_copy": p.got_copy,
            }
            for p in content.participants
        ],
        "followup": {
            "at": None if at is None else at.astimezone(UTC).isoformat(),
            "covers": content.followup.covers,
            "convener": content.followup.convener,
        },
    }


def from_json(data: dict[str, Any]) -> PlanContent:
    main = data.get("main")
    follow = data.get("followup") or {}
    at = follow.get("at")
    return PlanContent(
        why=data.get("why", ""),
        situation=data.get("situation", ""),
        strengths=data.get("strengths", ""),
        long_goal=data.get("long_goal", ""),
        goals=tuple(
            Goal(
                key=g["key"],
                text=g.get("text", ""),
                actions=tuple(
                    Action(
                        key=a["key"],
                        what=a.get("what", ""),
                        how_often=a.get("how_often", ""),
                        responsible=tuple(
                            Party(p["kind"], p.get("actor"), p.get("name", ""))
                            for p in a.get("responsible", [])
                        ),
                        start=_from_day(a.get("start")),
                        end=_from_day(a.get("end")),
                        ongoing=bool(a.get("ongoing")),
                        person_view=a.get("person_view", ""),
                    )
                    for a in g.get("actions", [])
                ),
            )
            for g in data.get("goals", [])
        ),
        person_view=data.get("person_view", ""),
        main=None if not main else MainResponsible(**main),
        participants=tuple(Participant(**p) for p in data.get("participants", [])),
        followup=Followup(
            at=None if not at else datetime.fromisoformat(at).astimezone(UTC),
            covers=follow.get("covers", ""),
            convener=follow.get("convener", "unit"),
        ),
    )
