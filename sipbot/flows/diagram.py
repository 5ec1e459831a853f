"""A conversation's steps and moves as a Mermaid flowchart, drawn from the flow file itself.

`sipbot flow diagram [flow-id]` prints it; paste it into any Mermaid viewer (GitHub renders a
```mermaid block). What it shows is what flows/engine.py does with the file:

- the steps in order, each with its kind;
- from each step, every step that can come next: a step with `when` is reached only with the
  answers named on the arrow, and when it is skipped the flow goes on past it ("otherwise");
- an each step asks once per item chosen in its earlier multi step (a loop back to itself), a
  list step takes items until Done;
- the review offers an edit of each answered step; after an edit the flow asks what the change
  made newly needed and comes back to the review.
"""

from __future__ import annotations

from sipbot.flows.model import Condition, Flow, Step


def _node(step: Step) -> str:
    return f"s_{step.id}"  # prefixed: a step id such as "end" is a Mermaid keyword


def _shape(step: Step) -> str:
    label = f"{step.id}<br/>{step.kind}"
    if step.options_from:
        label += f": {step.options_from}"
    elif step.kind == "each":
        label += f" of {step.for_each}"
    elif step.options:
        label += ": " + ", ".join(o.id for o in step.options)
    if step.optional:
        label += "<br/>(may be skipped)"
    if step.kind == "review":
        return f'{_node(step)}{{{{"{label}"}}}}'  # a hexagon: the review
    if step.kind == "info":
        return f'{_node(step)}(["{label}"])'
    return f'{_node(step)}["{label}"]'


def _condition(step: Step) -> str:
    assert step.when is not None
    return f"{step.when.step} = {', '.join(step.when.any_of)}"


def _nexts(flow: Flow, i: int) -> tuple[list[tuple[Step, str]], bool]:
    """The steps that can follow step i, each with the label of its arrow ('' if always), and
    whether the last of them surely comes (if not, the flow may end after step i).

    A step shown only for some answers is known about on the way out of it: from a step shown
    for role = self, a step for role = relative cannot come next, one for self surely does.
    """
    known = flow.steps[i].when if i >= 0 else None
    out: list[tuple[Step, str]] = []
    skipped = False
    for step in flow.steps[i + 1 :]:
        cond = step.when
        if cond is not None and known is not None and _never(flow, known, cond.step):
            continue  # it hangs on an answer that is never given after step i
        if cond is not None and known is not None and cond.step == known.step:
            if not set(known.any_of) & set(cond.any_of):
                continue  # never shown after step i
            if set(known.any_of) <= set(cond.any_of):
                cond = None  # always shown after step i
        if cond is None:
            out.append((step, "otherwise" if skipped else ""))
            return out, True
        out.append((step, _condition(step)))
        skipped = True
    return out, False


def _never(flow: Flow, known: Condition, step_id: str) -> bool:
    """Whether the step `step_id` is never shown where `known` holds: it is itself shown only
    for answers to the same step that `known` rules out (second_guardian after own_name)."""
    asked = next((s for s in flow.steps if s.id == step_id), None)
    if asked is None or asked.when is None or asked.when.step != known.step:
        return False
    return not set(known.any_of) & set(asked.when.any_of)


def mermaid(flow: Flow) -> str:
    lines = [f"%% {flow.id}, version {flow.version}", "flowchart TD"]
    lines += [f"    {_shape(step)}" for step in flow.steps]
    lines.append('    start(("start"))')
    first, _ = _nexts(flow, -1)
    lines += [_arrow("start", _node(s), label) for s, label in first]
    finished = False
    for i, step in enumerate(flow.steps):
        if step.kind == "each":
            lines.append(_arrow(_node(step), _node(step), "next item"))
        elif step.kind == "list":
            lines.append(_arrow(_node(step), _node(step), "another item"))
        if step.kind == "review":
            continue
        nexts, surely = _nexts(flow, i)
        lines += [_arrow(_node(step), _node(s), label) for s, label in nexts]
        if not surely:
            finished = True
            lines.append(_arrow(_node(step), "done", "otherwise" if nexts else ""))
    review = flow.steps[-1] if flow.steps[-1].kind == "review" else None
    if review is not None:
        lines.append('    sent(("send"))')
        lines.append(_arrow(_node(review), "sent", "send"))
        editable = [_node(s) for s in flow.steps if s.kind not in ("info", "review")]
        lines += [f"    {_node(review)} -. edit .-> {node}" for node in editable]
        # After an edit: the steps the change made newly needed are asked, then the review.
        lines.append(f"    {' & '.join(editable)} -. back after an edit .-> {_node(review)}")
    if finished:
        lines.append('    done(("done"))')
    return "\n".join(lines)


def _arrow(a: str, b: str, label: str) -> str:
    return f"    {a} -->|{label}| {b}" if label else f"    {a} --> {b}"
