"""The deployment file: which municipalities, intake units and invitable actors a region offers."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sipbot import yamlfile
from sipbot.i18n import N_

# The actor catalogue a deployment may offer, with each one's label in the catalogs.
ACTOR_LABELS = {
    "vardcentral": N_("actor.vardcentral"),
    "psykiatri": N_("actor.psykiatri"),
    "bup": N_("actor.bup"),
    "habilitering": N_("actor.habilitering"),
    "hemtjanst": N_("actor.hemtjanst"),
    "hemsjukvard": N_("actor.hemsjukvard"),
    "socialtjanst": N_("actor.socialtjanst"),
    "lss": N_("actor.lss"),
    "skola": N_("actor.skola"),
    "studenthalsa": N_("actor.studenthalsa"),
    "forsakringskassan": N_("actor.forsakringskassan"),
    "arbetsformedlingen": N_("actor.arbetsformedlingen"),
    "arbetsgivare": N_("actor.arbetsgivare"),
    "kriminalvard": N_("actor.kriminalvard"),
    "god_man": N_("actor.god_man"),
    "personligt_ombud": N_("actor.personligt_ombud"),
    "narstaende": N_("actor.narstaende"),
    "annan": N_("actor.annan"),
}
KNOWN_ACTORS = tuple(ACTOR_LABELS)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


ADDRESS = r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$"  # one plain address, no display name


class Unit(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    name: str = Field(min_length=1, max_length=120)
    staff_group_chat_id: int | None = None
    # Where an invited organisation reaches the unit (phone or e-mail), in its e-mails.
    contact: str | None = Field(default=None, min_length=1, max_length=120)
    # An actor's address for this unit's meetings, where it differs from the region's.
    actor_mail: dict[str, str] = {}


class MailServer(_Strict):
    """The SMTP server the kallelse to invited organisations goes out through. The password
    is never in the file: SIPBOT_SMTP_PASSWORD, when `user` is set."""

    sender: str = Field(pattern=ADDRESS)
    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    user: str | None = Field(default=None, min_length=1)


class Municipality(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    name: str = Field(min_length=1, max_length=60)
    intake_unit: str


class ReminderPolicy(_Strict):
    """When people and staff are reminded of meetings and follow-ups, in local time."""

    before_days: list[int] = Field(default=[7, 1], min_length=1)
    at: time = time(10, 0)
    prepare_days: int | None = Field(default=3, ge=1, le=30)  # "think about what matters"
    quiet_from: time = time(20, 0)  # nothing is sent from here …
    quiet_until: time = time(8, 0)  # … until here; a reminder due then waits for the morning


class Deployment(_Strict):
    region: str = Field(min_length=1)
    response_time_working_days: int = Field(ge=1, le=30)
    # After a request ends (closed, withdrawn, declined) its contents are kept this long, for
    # staff to file it in their own record system; then only the tombstone stays.
    keep_ended_days: int = Field(default=90, ge=1, le=3650)
    reminders: ReminderPolicy = ReminderPolicy()
    units: list[Unit] = Field(min_length=1)
    municipalities: list[Municipality] = Field(min_length=1)
    actors: list[str] = Field(min_length=1)
    # The languages people may choose, in the order shown (catalog directories under
    # locales/); left out, every catalog found is offered.
    languages: list[str] | None = Field(default=None, min_length=1)
    # Dates and numbers for a language Babel has no locale for (e.g. a Sami language).
    fallback_locale: str = "sv"
    # Where people report accessibility problems with the web pages (the accessibility
    # statement links to it); an e-mail address.
    accessibility_contact: str | None = Field(
        default=None, pattern=r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$", max_length=120
    )
    # Actors offered only to some age groups (the flow's age step gives the group); an actor
    # not named here is offered to everyone. Written in the file as `{id: x, age_groups: [...]}`.
    actor_age_groups: dict[str, list[str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _actor_entries(cls, data: Any) -> Any:
        """An actor is its id, or {id, age_groups}: kept as two fields, the ids in order."""
        if not isinstance(data, dict) or not isinstance(data.get("actors"), list):
            return data
        ids: list[Any] = []
        groups: dict[str, list[str]] = {}
        for entry in data["actors"]:
            if isinstance(entry, dict) and set(entry) <= {"id", "age_groups"} and "id" in entry:
                ids.append(entry["id"])
                if "age_groups" in entry:
                    groups[str(entry["id"])] = entry["age_groups"]
            else:
                ids.append(entry)
        return {**data, "actors": ids, "actor_age_groups": groups}

    def actors_for(self, age_group: str) -> list[str]:
        """The actors a person of this age group can invite, in the file's order."""
        return [
            a
            for a in self.actors
            if a not in self.actor_age_groups or age_group in self.actor_age_groups[a]
        ]
    # Organisations outside Telegram get the meeting's kallelse by e-mail (sipbot.mail).
    mail: MailServer | None = None
    actor_mail: dict[str, str] = {}

    def municipality(self, municipality_id: str) -> Municipality:
        return next(m for m in self.municipalities if m.id == municipality_id)

    def unit(self, unit_id: str) -> Unit:
        return next(u for u in self.units if u.id == unit_id)


def load_deployment(path: Path) -> Deployment:
    """Load and check the file; a problem raises ConfigError naming file, line and what is wrong."""
    d, lines = yamlfile.load_model(path, Deployment)
    seen: set[str] = set()
    for i, unit in enumerate(d.units):
        if unit.id in seen:
            raise yamlfile.fail(path, lines, ("units", i, "id"), f"unit id {unit.id!r} is repeated")
        seen.add(unit.id)
    for i, m in enumerate(d.municipalities):
        if m.intake_unit not in seen:
            raise yamlfile.fail(
                path, lines, ("municipalities", i, "intake_unit"), f"no unit {m.intake_unit!r}"
            )
    for i, actor in enumerate(d.actors):
        if actor not in KNOWN_ACTORS:
            known = ", ".join(KNOWN_ACTORS)
            raise yamlfile.fail(
                path, lines, ("actors", i), f"unknown actor {actor!r}; known: {known}"
            )
    _check_mail(path, lines, d)
    return d


def _check_mail(path: Path, lines: Any, d: Deployment) -> None:
    """Each address is one plain address of an actor the deployment offers, and there is a
    server to send through once any is named."""
    places: list[tuple[tuple[Any, ...], dict[str, str]]] = [(("actor_mail",), d.actor_mail)]
    places += [(("units", i, "actor_mail"), u.actor_mail) for i, u in enumerate(d.units)]
    for where, addresses in places:
        for actor, address in addresses.items():
            if actor not in d.actors:
                raise yamlfile.fail(path, lines, (*where, actor), f"{actor!r} is not in actors")
            if not re.match(ADDRESS, address):
                raise yamlfile.fail(
                    path, lines, (*where, actor), f"{address!r} is not one e-mail address"
                )
            if d.mail is None:
                raise yamlfile.fail(
                    path, lines, (*where, actor), "addresses need a mail: server to send through"
                )
