"""Inline keyboards from (label, callback data) rows."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from sipbot.bidi import starts_rtl


def kb(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(text, callback_data=data) for text, data in reading_order(row)]
            for row in rows
        ]
    )


def reading_order(row: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A row of right-to-left labels (Arabic, Persian) runs from the right: Telegram lays
    buttons out left to right, so the first button goes last. Mixed rows (the language
    choice) stay as they are."""
    if len(row) > 1 and all(starts_rtl(text) for text, _ in row):
        return row[::-1]
    return row
