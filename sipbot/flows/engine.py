"""Where a person is in a flow and where they go next. No Telegram here, so it is tested alone.

The whole position lives in one dict (kept in PTB user_data and written after every update):
    {"flow": id, "version": n, "step": id, "answers": {step: value}, "pending": [...] | None,
     "review": bool, "part": id | None, "ask": n, "shown": n, "draft": key, "touched": iso time,
     "kept": {"step": id, "text": str} | None}
"draft" names the draft: the request sent from it carries the same key.
"ask" numbers each question message; a button carries it, so a press on an old message is known.
"shown" is the "ask" of the last question known to have reached the person: when it lags
behind, the current question was never delivered, and a message is no answer to it.
"pending" is the selection of a multi step, the items of a list step, or the [item, text] pairs
of an each step, while the person is still on that step.
"part" is the review part being edited: its questions are walked in order, then the review.
"kept" is a text too long for its step, kept in the draft until the person shortens it,
keeps it whole, or answers otherwise.
"""

from __future__ import annotations

import secrets
from typing import Any

from sipbot.flows.model import ADULT, Flow, Step

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
        "shown": 0,
        "draft": new_draft_key(),
    }
    state["step"] = _next_visible(flow, state["answers"], -1).id  # type: ignore[union-attr]
    return state


def new_draft_key() -> str:
    """Names one draft, so the request sent from it is found again (Send is idempotent)."""
    return secrets.token_hex(16)


def visible(step: Step, answers: dict[str, Any]) -> bool:
    if step.when is None:
        return True
    given = answers.get(step.when.step)
    if isinstance(given, list):  # a multi answer: any of the chosen values
        return any(v in step.when.any_of for v in given)
    return given in step.when.any_of


def on_behalf(flow: Flow, answers: dict[str, Any]) -> bool:
    """Is the one filling in someone other than the person (a relative, a representative)?"""
    rule = flow.on_behalf
    return rule is not None and answers.get(rule.step) in rule.any_of


def person_name(flow: Flow, answers: dict[str, Any]) -> str:
    """The person's name as given, for {name} in the on-behalf texts ("" before it is)."""
    rule = flow.on_behalf
    value = answers.get(rule.name) if rule else None
    return value if isinstance(value, str) else ""


def wording(
    flow: Flow, answers: dict[str, Any], own: str, other: str | None
) -> tuple[str, dict[str, str]]:
    """The text id to show and its values: the on-behalf variant, naming the person, when
    someone fills in for them and the step has one; else the step's own text."""
    if other and on_behalf(flow, answers):
        return other, {"name": person_name(flow, answers)}
    return own, {}


def chosen_options(flow: Flow, step: Step, answers: dict[str, Any]) -> list[str] | None:
    """The ids a step offers that depend on earlier answers, or None if they do not."""
    if step.kind == "each":
        return list(answers.get(step.for_each or "") or [])
    if step.options_from == "chosen_actors":
        source = next((s for s in flow.steps if s.options_from == "actors"), None)
        chosen = answers.get(source.id) if source else None
        return [a for a in chosen or [] if not step.only or a in step.only]
    return None


def _stale(flow: Flow, step: Step, answers: dict[str, Any]) -> bool:
    """True if an earlier edit made this step's answer refer to things no longer chosen."""
    allowed = chosen_options(flow, step, answers)
    given = answers.get(step.id)
    if allowed is None or given is None:
        return False
    if step.kind == "each":
        return set(given) != set(allowed)
    extra = {o.id for o in step.extra_options}
    values = given if isinstance(given, list) else [given]
    return any(v not in allowed and v not in extra for v in values)


def stale(flow: Flow, step: Step, answers: dict[str, Any]) -> bool:
    """Whether the step's answer names something an edit has since taken away."""
    return _stale(flow, step, answers)


def _offered(flow: Flow, step: Step, answers: dict[str, Any], value: Any) -> bool:
    allowed = chosen_options(flow, step, answers) or []
    return value in allowed or value in {o.id for o in step.extra_options}


def _needed(flow: Flow, step: Step, answers: dict[str, Any]) -> bool:
    if step.kind in ("info", "review") or not visible(step, answers):
        return False
    return step.id not in answers or _stale(flow, step, answers)


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
    state["kept"] = None
    if state["review"]:
        # Editing a part: its next question, each earlier answer on offer to keep.
        walk = _next_in_part(flow, state)
        if walk is not None:
            state["step"] = walk.id
            state["pending"] = _pending_for(walk, answers.get(walk.id))
            if walk.kind == "multi" and _stale(flow, walk, answers):
                # Only the ticks still on offer: one on someone no longer invited could not
                # be taken away.
                state["pending"] = [
                    v for v in answers[walk.id] if _offered(flow, walk, answers, v)
                ]
            return walk
        state["part"] = None
        # Back from an edit: ask only what the edit made newly needed, then the review again.
        for step in flow.steps:
            if _needed(flow, step, answers):
                state["step"] = step.id
                if step.kind == "multi" and _stale(flow, step, answers):
                    # Ticks on what may no longer be chosen are not shown, so they could not
                    # be taken away: start from the ones still on offer.
                    state["pending"] = [
                        v for v in answers[step.id] if _offered(flow, step, answers, v)
                    ]
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


def back(flow: Flow, state: State) -> Step | None:
    """Go to the question before this one (its answer is kept); None at the first."""
    answers = state["answers"]
    before = flow.steps[: flow.index(state["step"])]
    previous = next((s for s in reversed(before) if visible(s, answers)), None)
    if previous is None:
        return None
    state["step"] = previous.id
    state["pending"] = _pending_for(previous, answers.get(previous.id))
    return previous


def edit(flow: Flow, state: State, step_id: str) -> Step:
    step = flow.step(step_id)
    state["step"] = step.id
    state["review"] = True
    state["pending"] = _pending_for(step, state["answers"].get(step.id))
    return step


def edit_part(flow: Flow, state: State, part_id: str) -> Step | None:
    """Walk the questions of one review part from its first; None if none applies now."""
    was = state["step"]
    state["review"] = True
    state["part"] = part_id
    state["step"] = ""
    first = _next_in_part(flow, state)
    if first is None:
        state.update(part=None, step=was)
        return None
    state["step"] = first.id
    state["pending"] = _pending_for(first, state["answers"].get(first.id))
    return first


def _next_in_part(flow: Flow, state: State) -> Step | None:
    """The part's next question after the current step (an info step only if it ends)."""
    part = state.get("part")
    if not part:
        return None
    after = flow.index(state["step"]) if state["step"] else -1
    for step in flow.steps[after + 1 :]:
        if step.part != part or not visible(step, state["answers"]):
            continue
        if step.kind == "info" and not step.ends:
            continue
        if step.kind != "review":
            return step
    return None


def review_parts(flow: Flow, answers: dict[str, Any]) -> list[tuple[str, list[Step]]]:
    """(part id, its answered steps in flow order) for the review, in the parts' order.

    A flow without parts is one part named "" holding every answered step.
    """
    shown = [s for s in flow.steps if s.title and visible(s, answers) and s.id in answers]
    if not flow.parts:
        return [("", shown)] if shown else []
    grouped = [(p.id, [s for s in shown if s.part == p.id]) for p in flow.parts]
    return [(pid, steps) for pid, steps in grouped if steps]


def age_group(flow: Flow, answers: dict[str, Any]) -> str:
    """The age group the answers give (a step marked age_group), else adult."""
    for step in flow.steps:
        if step.age_group and visible(step, answers) and answers.get(step.id):
            return str(answers[step.id])
    return ADULT


def ended(flow: Flow, state: State) -> bool:
    """Is the person at a step where the flow stops without sending anything?"""
    return flow.step(state["step"]).ends


def _pending_for(step: Step, current: Any) -> list[Any] | None:
    if step.kind in ("multi", "list"):
        return list(current or [])
    if step.kind == "each":
        return []  # chosen to be edited: asked item by item, each earlier answer on offer
    return None


def each_item(flow: Flow, step: Step, state: State) -> str | None:
    """The item an each step asks about now; None when every item has an answer."""
    done = {item for item, _ in state.get("pending") or []}
    items = chosen_options(flow, step, state["answers"]) or []
    return next((i for i in items if i not in done), None)


def each_answer(flow: Flow, step: Step, state: State) -> dict[str, Any]:
    """The answer of an each step: the items still chosen, in the order they were chosen."""
    given = dict(state.get("pending") or [])
    items = chosen_options(flow, step, state["answers"]) or []
    return {i: given[i] for i in items if i in given}


def earlier_item(step: Step, state: State, item: str | None) -> Any:
    """What the person said about this item before (shown, and offered to keep), or None."""
    return (state["answers"].get(step.id) or {}).get(item)


def answer_item(flow: Flow, step: Step, state: State, value: Any) -> Step | None:
    """Record one item of an each step; answer the step when it was the last item."""
    item = each_item(flow, step, state)
    state["pending"].append([item, value])
    if each_item(flow, step, state) is not None:
        return step
    # Skipped items are kept as None: asked, and nothing to add (so an edit does not re-ask).
    return answer(flow, state, each_answer(flow, step, state))


def delivered(state: State) -> bool:
    """Has the current question reached the person? (Drafts from before "shown": yes.)"""
    return state.get("shown", state["ask"]) == state["ask"]


def enter(step: Step, state: State) -> None:
    """Prepare the in-progress selection of a multi, list or each step.

    An each step reached because an edit changed its items (not chosen to be edited) keeps
    the answers about items still chosen and asks only about the new ones.
    """
    if state.get("pending") is not None:
        return
    current = state["answers"].get(step.id)
    if step.kind == "each" and isinstance(current, dict):
        state["pending"] = [[item, value] for item, value in current.items()]
    else:
        state["pending"] = _pending_for(step, current)


def final_answers(flow: Flow, state: State) -> dict[str, Any]:
    """The answers of the steps that apply, in flow order (an edit may hide earlier ones)."""
    answers = state["answers"]
    return {s.id: answers[s.id] for s in flow.steps if s.id in answers and visible(s, answers)}


def upgrade_state(flow: Flow, state: State) -> bool:
    """Carry a draft begun on an older version of the flow over to this one.

    Answers to steps that still exist with the same kind are kept; the person goes on at the
    first step that now needs an answer. Returns True if the state changed.
    """
    if state.get("version") == flow.version:
        return False
    kinds = {s.id: s.kind for s in flow.steps}
    answers = {k: v for k, v in state["answers"].items() if k in kinds and _fits(kinds[k], v)}
    state.update(
        version=flow.version, answers=answers, pending=None, review=False, part=None, kept=None
    )
    target = next((s for s in flow.steps if _needed(flow, s, answers)), review_step(flow))
    state["step"] = (target or flow.steps[-1]).id
    return True


def _fits(kind: str, value: Any) -> bool:
    if kind in ("multi", "list"):
        return isinstance(value, list)
    if kind == "each":
        return isinstance(value, dict)
    return not isinstance(value, list)
