"""The plan as text for the person: a short summary (my goals, who does what, when we follow
up) and the whole plan, in the reader's language and register. Labels and dates come from
the catalogs and Babel; what staff wrote is shown as written. No channel: the chat prints
these blocks, the PDF (sipbot.documents.plan_doc) lays out the same words.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from sipbot.deployment import ACTOR_LABELS
from sipbot.i18n import N_, Texts
from sipbot.plan.model import Action, Participant, Party, PlanContent
from sipbot.plan.rules import Change
from sipbot.plan.store import Version

BULLET = "• "
# The plan's headings, by the content's text fields (also what a "text" change names).
HEADING = {
    "why": N_("plan.why"),
    "situation": N_("plan.situation"),
    "strengths": N_("plan.strengths"),
    "long_goal": N_("plan.long_goal"),
    "person_view": N_("plan.person_view"),
    "main": N_("plan.main"),
    "participants": N_("plan.participants"),
    "followup": N_("plan.followup"),
}
CHANGE = {
    "goal_added": N_("plan.change.goal_added"),
    "goal_removed": N_("plan.change.goal_removed"),
    "goal_changed": N_("plan.change.goal_changed"),
    "action_added": N_("plan.change.action_added"),
    "action_removed": N_("plan.change.action_removed"),
    "action_changed": N_("plan.change.action_changed"),
}


def day(value: date, t: Texts) -> str:
    """A date in the reader's language, e.g. '3 december 2026'."""
    return format_date(value, "d MMMM y", locale=t.lang)


def actor_name(actor: str | None, t: Texts) -> str:
    return t(ACTOR_LABELS[actor]) if actor in ACTOR_LABELS else (actor or "")


def who(party: Party, t: Texts, person: str) -> str:
    """One responsible party: the organisation, the named professional, the person
    (``person``: "Du" in the person's copy, their name in a document), a relative."""
    if party.kind == "person":
        return person
    if party.kind == "relative":
        return party.name or t("plan.who.relative")
    org = actor_name(party.actor, t)
    if party.name and org:
        return t("plan.who.named", name=party.name, org=org)
    return party.name or org


def responsible(action: Action, t: Texts, person: str) -> str:
    return ", ".join(who(p, t, person) for p in action.responsible)


def when(action: Action, t: Texts) -> str:
    if action.ongoing and action.start is None:
        return t("plan.when.ongoing")
    if action.start and action.end:
        return t("plan.when.range", start=day(action.start, t), end=day(action.end, t))
    if action.start:
        start = t("plan.when.from", start=day(action.start, t))
        return t("plan.when.from_ongoing", start=start) if action.ongoing else start
    if action.end:
        return t("plan.when.until", end=day(action.end, t))
    return t("plan.not_set")


def convener(content: PlanContent, t: Texts, unit_name: str) -> str:
    code = content.followup.convener
    return unit_name if code == "unit" else actor_name(code, t)


def main_text(content: PlanContent, t: Texts) -> str:
    main = content.main
    if main is None:
        return t("plan.not_set")
    parts = [main.name, main.role, actor_name(main.actor, t), main.contact]
    return ", ".join(p for p in parts if p)


def participant_name(p: Participant, t: Texts, person: str) -> str:
    """A participant without the contact: name, role, organisation (or the person)."""
    if p.actor == "person":
        return ", ".join(x for x in (p.name or person, p.role) if x)
    return ", ".join(x for x in (p.name, p.role, actor_name(p.actor, t)) if x)


def participant_text(p: Participant, t: Texts, person: str) -> str:
    return ", ".join(x for x in (participant_name(p, t, person), p.contact) if x)


def title(version: Version, t: Texts) -> str:
    return t("plan.title") + "\n" + version_line(version, t)


def version_line(version: Version, t: Texts) -> str:
    return t("plan.version", number=version.number, date=t.date(version.made_at))


# -- the summary -----------------------------------------------------------------------------


def summary(version: Version, t: Texts, unit_name: str) -> list[str]:
    """The short copy in the chat: my goals, who does what, when we follow up."""
    c = version.content
    you = t("plan.who.you")
    goals = [c.long_goal] if c.long_goal else []
    goals += [BULLET + g.text for g in c.goals]
    doing = [
        BULLET + t("plan.summary.action", what=a.what, who=responsible(a, t, you), when=when(a, t))
        for _, a in c.actions()
    ]
    follow = (
        t(
            "plan.summary.followup_at",
            date=t.datetime(c.followup.at),
            convener=convener(c, t, unit_name),
        )
        if c.followup.at
        else t("plan.summary.followup_none")
    )
    blocks = [
        title(version, t),
        "\n".join([t("plan.summary.goals"), *goals]),
        "\n".join([t("plan.summary.who"), *(doing or [t("plan.not_set")])]),
        "\n".join([t("plan.summary.followup"), follow]),
    ]
    if c.main is not None:
        blocks.append(t("plan.summary.main", main=main_text(c, t)))
    return blocks


# -- the whole plan --------------------------------------------------------------------------


def _section(title: str, body: str, t: Texts) -> str:
    return f"{title}\n{body or t('plan.not_set')}"


def action_lines(action: Action, t: Texts, person: str) -> list[str]:
    lines = [BULLET + t("plan.action.what", what=action.what)]
    if action.how_often:
        lines.append(t("plan.action.how_often", often=action.how_often))
    lines.append(t("plan.action.who", who=responsible(action, t, person)))
    lines.append(t("plan.action.when", when=when(action, t)))
    if action.person_view:
        lines.append(t("plan.action.view", view=action.person_view))
    return lines


def full(version: Version, t: Texts, unit_name: str, person: str | None = None) -> list[str]:
    """The whole plan, section by section, with the guide's headings (seed 001, Bilaga 2).

    ``person`` is how the person is named as a responsible party ("Du" by default)."""
    c = version.content
    me = person or t("plan.who.you")
    planning = [t("plan.planning")]
    for goal in c.goals:
        planning.append(t("plan.goal", goal=goal.text))
        for action in goal.actions:
            planning += action_lines(action, t, me)
    follow = [
        t("plan.followup.at", date=t.datetime(c.followup.at))
        if c.followup.at
        else t("plan.followup.at", date=t("plan.not_set")),
        t("plan.followup.convener", who=convener(c, t, unit_name)),
    ]
    if c.followup.covers:
        follow += [t("plan.followup.covers"), c.followup.covers]
    return [
        title(version, t),
        _section(t(HEADING["why"]), c.why, t),
        _section(t(HEADING["long_goal"]), c.long_goal, t),
        _section(t(HEADING["situation"]), c.situation, t),
        _section(t(HEADING["strengths"]), c.strengths, t),
        "\n".join(planning),
        _section(t(HEADING["person_view"]), c.person_view, t),
        _section(t(HEADING["main"]), main_text(c, t), t),
        _section(
            t(HEADING["participants"]),
            "\n".join(BULLET + participant_text(p, t, me) for p in c.participants),
            t,
        ),
        "\n".join([t(HEADING["followup"]), *follow]),
    ]


def change_lines(number: int, found: list[Change], t: Texts) -> list[str]:
    """What is new in version ``number``: one line per changed part, an action once."""
    lines = [t("plan.change.head", number=number)]
    seen: set[tuple[str, str]] = set()
    for change in found:
        if change.kind == "text":
            lines.append(BULLET + t("plan.change.text", what=t(HEADING[change.field])))
        elif change.kind in ("main", "participants", "followup"):
            lines.append(BULLET + t("plan.change.text", what=t(HEADING[change.kind])))
        elif change.key is not None and (change.kind, change.key) not in seen:
            seen.add((change.kind, change.key))  # an action changed in two fields: one line
            lines.append(BULLET + t(CHANGE[change.kind], text=change.text))
    return lines
