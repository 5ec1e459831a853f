"""YAML loading that remembers line numbers, so a bad file is reported as file:line: problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from sipbot.config import ConfigError

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]


def _convert(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> Any:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.SafeLoader.construct_scalar(yaml.SafeLoader(""), key_node)  # type: ignore[arg-type]
            out[key] = _convert(value_node, (*loc, key), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*loc, i), lines) for i, item in enumerate(node.value)]
    loader = yaml.SafeLoader("")
    return loader.construct_object(node, deep=True)


def load(path: Path) -> tuple[Any, dict[Loc, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}{line}: not valid YAML ({problem})") from None
    if node is None:
        raise ConfigError(f"{path}:1: the file is empty")
    lines: dict[Loc, int] = {}
    return _convert(node, (), lines), lines


def line_of(lines: dict[Loc, int], loc: Loc) -> int:
    """The line of the deepest part of loc that the file has."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


def fail(path: Path, lines: dict[Loc, int], loc: Loc, problem: str) -> ConfigError:
    where = ".".join(str(p) for p in loc)
    return ConfigError(f"{path}:{line_of(lines, loc)}: {where + ': ' if where else ''}{problem}")


def load_model(path: Path, model: type[M]) -> tuple[M, dict[Loc, int]]:
    data, lines = load(path)
    try:
        return model.model_validate(data), lines
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise fail(path, lines, loc, msg) from None
