"""Where a person is in a flow and where they go next. No Telegram here, so it is tested alone.

The whole position lives in one dict (kept in PTB user_data and written after every update):
    {"flow": id, "version": n, "step": id, "answers": {step: value}, "pending": [...] | None,
     "review": bool, "ask": n}
"ask" numbers each question message; a button carries it, so a press on an old message is known.
"""

from __future__ import annotations

from typing import Any

from sipbot.flows.model import Flow, Step

State = dict[str, Any]


def new_state(flow: Flow) -> State:
    state: State = {
        "flow": flow.id,
        "version": flow.version,
        "step": "",
        "answers": {},
        "pending": None,
        "review": False,
        "ask": 0,
    }
    state["step"] = _next_visible(flow, state["answers"], -1).id  # type: ignore[union-attr]
    return state


def visible(step: Step, answers: dict[str, Any]) -> bool:
    if step.when is None:
        return True
    given = answers.get(step.when.step)
    if isinstance(given, list):  # a multi answer: any of the chosen values
        return any(v in step.when.any_of for v in given)
    return given in step.when.any_of


def _next_visible(flow: Flow, answers: dict[str, Any], after: int) -> Step | None:
    for step in flow.steps[after + 1 :]:
        if visible(step, answers):
            return step
    return None


def review_step(flow: Flow) -> Step | None:
    return flow.steps[-1] if flow.steps[-1].kind == "review" else None


def advance(flow: Flow, state: State) -> Step | None:
    """Move past the current step; None means the flow is finished (no review step)."""
    answers = state["answers"]
    state["pending"] = None
    if state["review"]:
        # Back from an edit: ask only what the edit made newly needed, then the review again.
        for step in flow.steps:
            needed = step.kind not in ("info", "review") and visible(step, answers)
            if needed and step.id not in answers:
                state["step"] = step.id
                return step
        state["review"] = False
        target = review_step(flow)
    else:
        target = _next_visible(flow, answers, flow.index(state["step"]))
    if target is not None:
        state["step"] = target.id
    return target


def answer(flow: Flow, state: State, value: Any) -> Step | None:
    """Store the answer to the current step at once, then advance."""
    state["answers"][state["step"]] = value
    return advance(flow, state)


def edit(flow: Flow, state: State, step_id: str) -> Step:
    step = flow.step(step_id)
    state["step"] = step.id
    state["review"] = True
    state["pending"] = _pending_for(step, state["answers"].get(step.id))
    return step


def _pending_for(step: Step, current: Any) -> list[Any] | None:
    if step.kind in ("multi", "list"):
        return list(current or [])
    return None


def enter(step: Step, state: State) -> None:
    """Prepare the in-progress selection of a multi or list step."""
    if state.get("pending") is None:
        state["pending"] = _pending_for(step, state["answers"].get(step.id))


def final_answers(flow: Flow, state: State) -> dict[str, Any]:
    """The answers of the steps that apply, in flow order (an edit may hide earlier ones)."""
    answers = state["answers"]
    return {s.id: answers[s.id] for s in flow.steps if s.id in answers and visible(s, answers)}
