"""A person's answers as text, the same for every reader: the chat's review, the staff card,
the PDF and the notices. No channel: the chat and, next, the web pages print from here.

A voice answer is printed as the catalog's word for it ("Röstmeddelande, 7 sekunder"), never
as the data it is stored as.
"""

from __future__ import annotations

from typing import Any

from sipbot.deployment import ACTOR_LABELS, Deployment
from sipbot.flows import engine
from sipbot.flows.model import Flow, Step
from sipbot.i18n import Texts


def options(
    deployment: Deployment, flow: Flow, step: Step, answers: dict[str, Any], t: Texts
) -> list[tuple[str, str]]:
    """(id, shown text) for a choice or multi step, in button order."""
    out: list[tuple[str, str]] = []
    if step.options_from == "municipalities":
        out += [(m.id, m.name) for m in deployment.municipalities]
    elif step.options_from == "actors":
        # Offered by the age group the answers give (the deployment decides who is whose).
        group = engine.age_group(flow, answers)
        out += [(a, t(ACTOR_LABELS[a])) for a in deployment.actors_for(group)]
    elif step.options_from == "chosen_actors":
        chosen = engine.chosen_options(flow, step, answers) or []
        out += [(a, t(ACTOR_LABELS[a])) for a in chosen]
    for o in (*step.options, *step.extra_options):
        msgid, values = engine.wording(flow, answers, o.label, o.label_on_behalf)
        out.append((o.id, t(msgid, **values)))
    return out


def title(flow: Flow, step: Step, answers: dict[str, Any], t: Texts) -> str:
    """A step's name in the review, the card and the PDF, saying whose it is."""
    msgid, values = engine.wording(flow, answers, step.title or "", step.title_on_behalf)
    return t(msgid, **values)


def text(value: Any, t: Texts) -> str:
    """One written or spoken answer."""
    if isinstance(value, dict) and "voice" in value:
        return t("review.voice", seconds=value.get("duration", 0))
    return str(value)


def written(value: Any, t: Texts) -> str:
    """A free-text answer inside a sentence (a notice, a reminder): empty when not given."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "voice" in value:
        return text(value, t)
    return ""


def item_label(item: str, t: Texts) -> str:
    return t(ACTOR_LABELS[item]) if item in ACTOR_LABELS else item


def show_answer(
    deployment: Deployment, flow: Flow, step: Step, answers: dict[str, Any], t: Texts
) -> str:
    value = answers.get(step.id)
    if value is None:
        return t("review.skipped")
    if step.kind in ("choice", "multi"):
        names = dict(options(deployment, flow, step, answers, t))
        chosen = [value] if step.kind == "choice" else value
        shown = (names.get(v) or item_label(v, t) for v in chosen)
        return ", ".join(shown) or t("review.none")
    if step.kind == "list":
        return "\n".join(f"• {text(v, t)}" for v in value) or t("review.none")
    if step.kind == "each":
        lines = [
            f"• {item_label(k, t)}: {text(v, t)}" for k, v in value.items() if v is not None
        ]
        return "\n".join(lines) or t("review.none")
    return text(value, t)


def answer_blocks(
    deployment: Deployment, flow: Flow, answers: dict[str, Any], t: Texts
) -> list[str]:
    """Each answered step as its title and the answer, in flow order."""
    return [
        f"{title(flow, step, answers, t)}\n{show_answer(deployment, flow, step, answers, t)}"
        for step in flow.steps
        if step.title and engine.visible(step, answers) and step.id in answers
    ]
