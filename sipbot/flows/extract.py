"""Babel extractor for conversations/*.yaml, so `pybabel extract` finds the flows' texts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml

TEXT_KEYS = (
    "ask",
    "title",
    "label",
    "many_note_text",
    "ask_on_behalf",
    "title_on_behalf",
    "label_on_behalf",
)


def extract_flow(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Yield (line, funcname, message, comments) for every text id a flow refers to."""
    node = yaml.compose(fileobj.read().decode("utf-8"), Loader=yaml.SafeLoader)
    yield from _walk(node)


def _walk(node: yaml.Node | None) -> Iterator[tuple[int, str, str, list[str]]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value in TEXT_KEYS and isinstance(value, yaml.ScalarNode):
                yield value.start_mark.line + 1, "_", value.value, []
            elif key.value == "ask_by_option" and isinstance(value, yaml.MappingNode):
                for _, text in value.value:
                    yield text.start_mark.line + 1, "_", text.value, []
            else:
                yield from _walk(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk(item)
