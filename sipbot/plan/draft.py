"""The first draft of a plan, from what the person wrote when they asked (nothing typed
twice): their goals, strengths and what they can do themselves, their problems as the
current situation, whom they invited as participants, and whom they want as main
responsible. Voice answers are not copied: staff listen to them and write what was agreed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sipbot.db.models import SipRequest
from sipbot.plan.model import Followup, Goal, MainResponsible, Participant, PlanContent
from sipbot.plan.rules import HUVUDMAN

# The person's wish for when to follow up (the flow's followup_when), from the meeting.
FOLLOWUP_AFTER = {
    "2w": timedelta(weeks=2),
    "1m": timedelta(days=30),
    "3m": timedelta(days=91),
    "6m": timedelta(days=182),
}


def _written(answers: dict[str, Any], step: str) -> str:
    value = answers.get(step)
    return value.strip() if isinstance(value, str) else ""


def draft_from_request(request: SipRequest) -> PlanContent:
    """A plan to start from: the person's words where they gave them, the rest empty."""
    answers = request.answers or {}
    subgoals = [g for g in answers.get("subgoals") or [] if isinstance(g, str) and g.strip()]
    contacts = answers.get("contacts") or {}
    actors = [a for a in answers.get("actors") or [] if isinstance(a, str)]
    person = Participant(
        name=request.person_name or "", actor="person", invited=True, present=False
    )
    invited = [
        Participant(
            actor=a,
            contact=contacts[a] if isinstance(contacts.get(a), str) else "",
            invited=True,
        )
        for a in actors
    ]
    wish = answers.get("main_responsible")
    after = FOLLOWUP_AFTER.get(str(answers.get("followup_when")))
    return PlanContent(
        situation=_written(answers, "problems"),
        strengths="\n".join(
            text for text in (_written(answers, "strengths"), _written(answers, "can_do")) if text
        ),
        long_goal=_written(answers, "main_goal"),
        goals=tuple(Goal(key=f"g{i}", text=g.strip()) for i, g in enumerate(subgoals, 1)),
        main=MainResponsible(actor=wish) if wish in HUVUDMAN else None,
        participants=(person, *invited),
        followup=Followup(
            at=request.meeting_at + after if request.meeting_at and after else None,
            covers=_written(answers, "followup_how"),
        ),
    )
