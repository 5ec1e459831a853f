"""Everything the handlers share, built once at start."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Engine

from sipbot.clock import Clock, utcnow
from sipbot.config import Settings
from sipbot.db.crypto import set_key
from sipbot.db.engine import make_engine
from sipbot.db.migrate import check_current
from sipbot.deployment import Deployment, load_deployment
from sipbot.flows.model import Flow, load_flows
from sipbot.i18n import Catalogs, Texts
from sipbot.people import from_telegram, preferences


class Sender(Protocol):
    """Who wrote, in the words of the channel: a Telegram user (id, language_code)."""

    @property
    def id(self) -> int: ...

    @property
    def language_code(self) -> str | None: ...


class Incoming(Protocol):
    """An update as a channel delivers it: its number and who sent it (telegram.Update)."""

    @property
    def update_id(self) -> int: ...

    @property
    def effective_user(self) -> Sender | None: ...


@dataclass
class Services:
    settings: Settings
    engine: Engine
    deployment: Deployment
    catalogs: Catalogs
    flows: dict[str, Flow]
    clock: Clock = utcnow
    # The reader's words for the update being handled: read once per update, not per message.
    _texts: dict[int, tuple[int, Texts]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        clock: Clock = utcnow,
        check_schema: bool = True,
        catalogs: Catalogs | None = None,
    ) -> Services:
        """Load and check everything; a problem raises ConfigError with one line.

        ``catalogs`` lets a caller that builds many Services (the test suite) compile them once.
        """
        set_key(settings.key_bytes)
        deployment = load_deployment(settings.deployment)
        catalogs = (catalogs or Catalogs(settings.locales_dir, settings.tz)).configured(
            deployment.languages, deployment.fallback_locale
        )
        probe = catalogs.texts("sv", easy=False)
        flows = load_flows(settings.conversations_dir, deployment, probe.has)
        engine = make_engine(settings.db_url)
        if check_schema:
            check_current(engine)
        return cls(settings, engine, deployment, catalogs, flows, clock)

    def texts_for_user(self, telegram_id: int) -> Texts:
        """The language and register a person chose, for messages the bot sends unasked."""
        return self.catalogs.texts(
            *preferences(self.engine, telegram_id, None, self.catalogs.offered)
        )

    def texts_for(self, update: Incoming) -> Texts:
        """The reader's language and register (Telegram's language until they choose)."""
        user = update.effective_user
        user_id = user.id if user else 0
        cached = self._texts.get(user_id)
        if cached is not None and cached[0] == update.update_id:
            return cached[1]
        lang, easy = preferences(
            self.engine, user_id, user and user.language_code, self.catalogs.offered
        )
        texts = self.catalogs.texts(lang, easy)
        self._texts[user_id] = (update.update_id, texts)
        return texts

    def texts_known(self, update: Incoming) -> Texts:
        """The reader's words without the database (it may be down): as last read, else
        Telegram's language."""
        user = update.effective_user
        cached = self._texts.get(user.id if user else 0)
        if cached is not None:
            return cached[1]
        lang = from_telegram(user and user.language_code, self.catalogs.offered)
        return self.catalogs.texts(lang, False)

    def preferences_changed(self, telegram_id: int) -> None:
        """The person chose a language or register, or was forgotten: read them afresh."""
        self._texts.pop(telegram_id, None)
