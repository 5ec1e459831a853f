"""The review as one message: the answers grouped by part, shortened to fit if they must.

No Telegram here: the chat sends the text this returns. A person's long answers are shown
in full when they edit that part; the review shows enough of each to recognise it, so the
whole review stays one message (Telegram takes 4096 characters) however much was written.
"""

from __future__ import annotations

TELEGRAM_TEXT_LIMIT = 4096
ELLIPSIS = "…"

# (part title, [(question title, answer as shown)])
Parts = list[tuple[str, list[tuple[str, str]]]]


def _line(title: str, answer: str) -> str:
    if "\n" in answer:  # a list: each item on its own line under the title
        items = "\n".join(f"   {line}" for line in answer.split("\n"))
        return f"• {title}:\n{items}"
    return f"• {title}: {answer}"


def _cut(answer: str, cap: int | None) -> str:
    if cap is None or len(answer) <= cap:
        return answer
    return answer[:cap].rstrip() + ELLIPSIS


def _render(header: str, parts: Parts, footer: str | None, cap: int | None) -> str:
    blocks = [header]
    for part_title, answers in parts:
        lines = [_line(title, _cut(answer, cap)) for title, answer in answers]
        blocks.append("\n".join([part_title, *lines]) if part_title else "\n".join(lines))
    if footer:
        blocks.append(footer)
    return "\n\n".join(blocks)


def review_message(
    header: str, parts: Parts, footer: str | None, limit: int = TELEGRAM_TEXT_LIMIT
) -> str:
    """The review text, at most `limit` characters: long answers cut shortest-first."""
    text = _render(header, parts, footer, None)
    if len(text) <= limit:
        return text
    longest = max((len(a) for _, answers in parts for _, a in answers), default=0)
    low, high = 0, longest  # the largest cap on each answer's length that still fits
    while low < high:
        mid = (low + high + 1) // 2
        if len(_render(header, parts, footer, mid)) <= limit:
            low = mid
        else:
            high = mid - 1
    return _render(header, parts, footer, low)[:limit]
