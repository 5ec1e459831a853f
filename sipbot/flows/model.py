"""Flows as data: the schema of conversations/*.yaml and its checks at start."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sipbot import yamlfile
from sipbot.config import ConfigError
from sipbot.deployment import Deployment

# each: one text question per item chosen in an earlier multi step (e.g. a contact per actor).
Kind = Literal["info", "choice", "multi", "text", "list", "each", "review"]
DYNAMIC = ("municipalities", "actors", "chosen_actors")
ADULT = "adult"  # the age group of a request that gives no other


@dataclass(frozen=True)
class Needed:
    """A step the code reads an answer of, and what the code assumes about it."""

    kind: str
    why: str  # what breaks without it, for the start-up error
    options_from: str | None = None  # the answer must be an id of this list
    offers: tuple[str, ...] = ()  # option ids the code compares the answer with
    known: tuple[str, ...] = ()  # if given, the only option ids the code has words for


# Step ids the Python code relies on, declared once: the flow file may word, order and branch
# them freely, but renaming or dropping one would break consent, routing, the name on a
# request, notices and reminders at run time. A flow lacking one stops the bot at start.
REQUIRED_STEPS: dict[str, dict[str, Needed]] = {
    "sip_request": {
        "role": Needed(
            "choice",
            "who asks: the consent state and the role on the request (requests.py)",
            offers=("self",),
            known=("self", "relative", "representative", "guardian"),  # stats.ROLES, card
        ),
        "own_name": Needed("text", "the name on a request made for oneself (requests.py)"),
        "person_name": Needed("text", "the name of whom the request is for (the consent link)"),
        "person_agrees": Needed(
            "choice", "whether the person is sent a consent link (requests.py)", offers=("agrees",)
        ),
        "municipality": Needed(
            "choice", "the unit a request goes to (requests.py)", options_from="municipalities"
        ),
        "problems": Needed("text", "the meeting notice and the preparation reminder"),
        "main_goal": Needed("text", "the meeting notice and the preparation reminder"),
        "actors": Needed("multi", "whom a meeting invites (booking)", options_from="actors"),
    },
}


def _check_required(path: Path, lines: dict[yamlfile.Loc, int], flow: Flow) -> None:
    index = {s.id: i for i, s in enumerate(flow.steps)}
    for step_id, need in REQUIRED_STEPS.get(flow.id, {}).items():
        if step_id not in index:
            raise yamlfile.fail(
                path, lines, ("steps",), f"no step {step_id!r} (a {need.kind}): {need.why}"
            )
        i = index[step_id]
        step = flow.steps[i]
        if step.kind != need.kind:
            raise yamlfile.fail(
                path, lines, ("steps", i, "kind"), f"{step_id!r} must be a {need.kind}: {need.why}"
            )
        if need.options_from and step.options_from != need.options_from:
            raise yamlfile.fail(
                path, lines, ("steps", i), f"{step_id!r} needs options_from: {need.options_from}"
            )
        ids = [o.id for o in step.options]
        for option in need.offers:
            if option not in ids:
                raise yamlfile.fail(
                    path, lines, ("steps", i, "options"), f"{step_id!r} needs option {option!r}"
                )
        for j, option in enumerate(ids):
            if need.known and option not in need.known:
                raise yamlfile.fail(
                    path,
                    lines,
                    ("steps", i, "options", j, "id"),
                    f"{option!r}: the code knows only {', '.join(need.known)} for {step_id!r}",
                )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    label: str
    label_on_behalf: str | None = None  # see Flow.on_behalf ("At my home" -> "At {name}'s")


class Part(_Strict):
    """A group of steps shown together in the review and edited together from it."""

    id: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    title: str


class Condition(_Strict):
    """Show a step only when an earlier answer is (one of) these values."""

    step: str
    any_of: list[str] = Field(min_length=1)


class OnBehalf(_Strict):
    """When the one filling in is not the person: the answer that says so, and the step whose
    answer names the person. Steps then use their *_on_behalf texts, which may say {name}."""

    step: str
    any_of: list[str] = Field(min_length=1)
    name: str


class Step(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    kind: Kind
    ask: str
    title: str | None = None  # short name in the review; required for answerable steps
    # Worded for one who fills in for someone else (Flow.on_behalf): whose it is, by name.
    ask_on_behalf: str | None = None
    title_on_behalf: str | None = None
    options: list[Option] = []
    options_from: Literal["municipalities", "actors", "chosen_actors"] | None = None
    extra_options: list[Option] = []  # appended after options_from (e.g. "I don't know")
    only: list[str] = []  # options_from chosen_actors: offer only these of the chosen
    for_each: str | None = None  # each: the earlier multi step whose chosen items are asked about
    ask_by_option: dict[str, str] = {}  # each: a different question for some items
    optional: bool = False
    max_length: int = Field(default=1000, ge=1, le=3500)
    max_items: int = Field(default=10, ge=1, le=30)
    voice: bool = True  # a free-text answer may be a voice message instead
    format: Literal["phone"] | None = None  # checked shape of a text answer
    when: Condition | None = None
    many_note: int | None = None  # multi: a gentle note when more than this many are chosen
    many_note_text: str | None = None
    part: str | None = None  # the review part this step is shown and edited under
    # info: the flow stops here (e.g. a municipality outside the region): nothing is sent,
    # the person is told where to turn and may go back.
    ends: bool = False
    # choice: its option ids are age groups (deployment actors are offered by age group).
    age_group: bool = False


class Flow(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    version: int = Field(ge=1)
    on_behalf: OnBehalf | None = None
    parts: list[Part] = []
    steps: list[Step] = Field(min_length=1)

    def part_steps(self, part_id: str) -> list[Step]:
        return [s for s in self.steps if s.part == part_id]

    def age_groups(self) -> set[str]:
        """Every age group the flow can give (ADULT when nothing else is known)."""
        return {ADULT} | {o.id for s in self.steps if s.age_group for o in s.options}

    def step(self, step_id: str) -> Step:
        return next(s for s in self.steps if s.id == step_id)

    def index(self, step_id: str) -> int:
        return next(i for i, s in enumerate(self.steps) if s.id == step_id)


def msgids(flow: Flow) -> list[str]:
    """Every catalog message a flow refers to (also used by the Babel extractor)."""
    ids: list[str] = []
    for step in flow.steps:
        ids += [step.ask] + ([step.title] if step.title else [])
        ids += [t for t in (step.ask_on_behalf, step.title_on_behalf) if t]
        ids += [o.label for o in (*step.options, *step.extra_options)]
        ids += [o.label_on_behalf for o in step.options if o.label_on_behalf]
        ids += [step.many_note_text] if step.many_note_text else []
        ids += list(step.ask_by_option.values())
    ids += [p.title for p in flow.parts]
    return ids


def load_flow(path: Path, deployment: Deployment, has_text: Callable[[str], bool]) -> Flow:
    """Parse and check one flow file; any problem is one ConfigError line with file and line."""
    flow, lines = yamlfile.load_model(path, Flow)
    _check_required(path, lines, flow)  # first: a renamed step is named as the cause
    seen: set[str] = set()
    for i, step in enumerate(flow.steps):
        where = ("steps", i)
        if step.id in seen:
            raise yamlfile.fail(path, lines, (*where, "id"), f"step id {step.id!r} is repeated")
        if step.when and step.when.step not in seen:
            raise yamlfile.fail(
                path, lines, (*where, "when"), f"refers to {step.when.step!r}, not an earlier step"
            )
        seen.add(step.id)
        choosy = step.kind in ("choice", "multi")
        if choosy and not (step.options or step.options_from):
            raise yamlfile.fail(path, lines, where, f"a {step.kind} step needs options")
        if not choosy and (step.options or step.options_from):
            raise yamlfile.fail(path, lines, where, f"a {step.kind} step takes no options")
        if step.kind == "each":
            source = next((s for s in flow.steps[:i] if s.id == step.for_each), None)
            if source is None or source.kind != "multi":
                raise yamlfile.fail(
                    path, lines, (*where, "for_each"), "must name an earlier multi step"
                )
        elif step.for_each or step.ask_by_option:
            raise yamlfile.fail(path, lines, where, "for_each is only for an each step")
        if step.only and step.options_from != "chosen_actors":
            raise yamlfile.fail(path, lines, (*where, "only"), "only filters chosen_actors")
        for actor in step.only:
            if actor not in deployment.actors:
                raise yamlfile.fail(
                    path, lines, (*where, "only"), f"{actor!r} is not an actor of the deployment"
                )
        if step.kind not in ("info", "review") and not step.title:
            raise yamlfile.fail(path, lines, where, "needs a title (shown in the review)")
        texts: list[tuple[tuple[str, ...], str | None]] = [
            (("ask",), step.ask),
            (("title",), step.title),
        ]
        texts += [(("ask_on_behalf",), step.ask_on_behalf)]
        texts += [(("title_on_behalf",), step.title_on_behalf)]
        texts += [(("ask_by_option", k), v) for k, v in step.ask_by_option.items()]
        for field, value in texts:
            if value and not has_text(value):
                raise yamlfile.fail(path, lines, (*where, *field), f"no text {value!r} in catalogs")
        for key in ("options", "extra_options"):
            for j, opt in enumerate(getattr(step, key)):
                for field in ("label", "label_on_behalf"):
                    value = getattr(opt, field)
                    if value and not has_text(value):
                        raise yamlfile.fail(
                            path, lines, (*where, key, j, field), f"no text {value!r} in catalogs"
                        )
    if flow.on_behalf is not None:
        ids = {s.id for s in flow.steps}
        for field in ("step", "name"):
            if getattr(flow.on_behalf, field) not in ids:
                raise yamlfile.fail(
                    path, lines, ("on_behalf", field), "must name a step of this flow"
                )
    _check_parts(path, lines, flow, has_text)
    _check_age_groups(path, lines, flow, deployment)
    if flow.steps[-1].kind != "review" and any(s.kind == "review" for s in flow.steps):
        raise yamlfile.fail(path, lines, ("steps",), "the review step must be the last step")
    return flow


def _check_parts(
    path: Path, lines: dict[yamlfile.Loc, int], flow: Flow, has_text: Callable[[str], bool]
) -> None:
    """With parts declared, every answerable step belongs to exactly one of them."""
    ids = [p.id for p in flow.parts]
    for i, part in enumerate(flow.parts):
        if part.id in ids[:i]:
            raise yamlfile.fail(path, lines, ("parts", i, "id"), f"part id {part.id!r} is repeated")
        if not has_text(part.title):
            raise yamlfile.fail(
                path, lines, ("parts", i, "title"), f"no text {part.title!r} in catalogs"
            )
    for i, step in enumerate(flow.steps):
        where = ("steps", i)
        if step.part is not None and step.part not in ids:
            raise yamlfile.fail(path, lines, (*where, "part"), f"no part {step.part!r} declared")
        if flow.parts and step.title and step.part is None:
            raise yamlfile.fail(path, lines, where, "needs a part (flow declares parts)")
        if step.ends and step.kind != "info":
            raise yamlfile.fail(path, lines, (*where, "ends"), "only an info step ends a flow")
        if step.age_group and step.kind != "choice":
            raise yamlfile.fail(path, lines, (*where, "age_group"), "only a choice step")


def _check_age_groups(
    path: Path, lines: dict[yamlfile.Loc, int], flow: Flow, deployment: Deployment
) -> None:
    """The deployment's actors name only age groups this flow can give."""
    known = flow.age_groups()
    for actor, groups in deployment.actor_age_groups.items():
        for group in groups:
            if group not in known:
                raise yamlfile.fail(
                    path, lines, ("steps",), f"actor {actor!r}: no step gives age group {group!r}"
                )


def load_flows(
    directory: Path, deployment: Deployment, has_text: Callable[[str], bool]
) -> dict[str, Flow]:
    flows: dict[str, Flow] = {}
    for path in sorted(directory.glob("*.yaml")):
        flow = load_flow(path, deployment, has_text)
        if flow.id in flows:
            raise ConfigError(f"{path}:1: flow id {flow.id!r} is used by another file")
        flows[flow.id] = flow
    return flows
