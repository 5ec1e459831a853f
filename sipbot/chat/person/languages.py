"""The language choice: every offered language named in itself, the reader's nearest first."""

from __future__ import annotations

from sipbot.i18n import Catalogs
from sipbot.people import by_nearness

PER_ROW = 2  # two names side by side still fit a phone screen ("Українська", "Soomaali")


def language_rows(catalogs: Catalogs, telegram_language: str | None) -> list[list[tuple[str, str]]]:
    """Keyboard rows of (name, "L:<code>"), as many rows as the deployment offers languages.

    Names are in the language itself (a reader finds their own script), so no row is
    reordered for right-to-left readers: the list is read top to bottom.
    """
    codes = by_nearness(telegram_language, catalogs.offered)
    buttons = [(catalogs.language(code).name, f"L:{code}") for code in codes]
    return [buttons[i : i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]
