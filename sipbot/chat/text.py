"""Text cut to Telegram's message size."""

from __future__ import annotations

TELEGRAM_TEXT_LIMIT = 4096


def split_messages(blocks: list[str]) -> list[str]:
    """Join blocks into as few messages as fit Telegram's limit, never splitting a block."""
    parts: list[str] = [""]
    for block in blocks:
        block = block[: TELEGRAM_TEXT_LIMIT - 10]
        if len(parts[-1]) + len(block) + 2 > TELEGRAM_TEXT_LIMIT:
            parts.append("")
        parts[-1] = f"{parts[-1]}\n\n{block}" if parts[-1] else block
    return parts
