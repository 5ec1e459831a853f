"""Jinja2 pages in the reader's language and register, from the same catalogs as the chat."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from sipbot.i18n import Texts

TEMPLATES = Path(__file__).resolve().parent / "templates"


def environment() -> Environment:
    # Autoescape everywhere: a person's words or a reference never become markup.
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(
    env: Environment, name: str, t: Texts, *, status: int = 200, **values: Any
) -> web.Response:
    html = env.get_template(name).render(t=t, lang=t.lang, **values)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
