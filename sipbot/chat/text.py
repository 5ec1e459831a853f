"""Text cut to Telegram's message size."""

from __future__ import annotations

from sipbot.flows.review import TELEGRAM_TEXT_LIMIT  # one limit for the review and the rest

__all__ = ["TELEGRAM_TEXT_LIMIT", "split_messages"]


def split_messages(blocks: list[str]) -> list[str]:
    """Join blocks into as few messages as fit Telegram's limit, splitting only a block
    longer than one message."""
    parts: list[str] = [""]
    size = TELEGRAM_TEXT_LIMIT - 10
    # A block longer than a message (an answer kept whole) goes on in the next message.
    pieces = [b[i : i + size] for b in blocks for i in range(0, max(len(b), 1), size)]
    for block in pieces:
        if len(parts[-1]) + len(block) + 2 > TELEGRAM_TEXT_LIMIT:
            parts.append("")
        parts[-1] = f"{parts[-1]}\n\n{block}" if parts[-1] else block
    return parts
