"""Every text id the code, the flows or the web templates use is in the catalogs, and no
catalog id is unused."""

from __future__ import annotations

import ast
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir

from sipbot.i18n import read_catalog

ROOT = Path(__file__).resolve().parent.parent


def _ids(catalog: Catalog) -> set[str]:
    """Every id; a plural entry's id is its msgid (msgid_plural is the same)."""
    return {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id}


def test_extracted_ids_match_the_catalogs() -> None:
    found = {
        msg
        for _file, _line, msg, _comments, _ctx in extract_from_dir(
            str(ROOT),
            method_map=[
                ("sipbot/**.py", "python"),
                ("conversations/*.yaml", "sipbot_flow"),
                # The web pages' templates: t("...") in Jinja2 (sipbot/web/templates).
                ("sipbot/web/templates/**.html", "jinja2"),
            ],
            # t.ngettext(msgid, n, ...) and t.npgettext(context, msgid, n, ...): the id is
            # both msgid and msgid_plural, so only the first is named.
            keywords={
                "t": None,
                "N_": None,
                "_": None,
                "ngettext": (1,),
                "npgettext": ((1, "c"), 2),
            },
        )
    }
    catalog = _ids(read_catalog(ROOT / "locales/sv/LC_MESSAGES/plain.po"))
    assert found - catalog == set(), "used in code or flows but not in the catalogs"
    assert catalog - found == set(), "in the catalogs but used nowhere"


def _lookup_params(trees: list[ast.Module]) -> dict[str, int]:
    """Functions that look a text up: name -> position of their `msgid` parameter."""
    found: dict[str, int] = {"t": 0, "N_": 0, "ngettext": 0, "npgettext": 1}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
                if "msgid" in names:
                    index = names.index("msgid")
                    found[node.name] = index - (1 if names[:1] in (["self"], ["cls"]) else 0)
    return found


def _called(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def test_every_literal_that_reaches_a_lookup_is_in_the_catalogs() -> None:
    """A text id passed as a plain string to any function that ends in a lookup (it has a
    `msgid` parameter) is checked too, not only those written as t("...") or N_("...")."""
    files = sorted((ROOT / "sipbot").rglob("*.py"))
    trees = [ast.parse(f.read_text(), str(f)) for f in files]
    params = _lookup_params(trees)
    catalog = _ids(read_catalog(ROOT / "locales/sv/LC_MESSAGES/plain.po"))
    missing = []
    for path, tree in zip(files, trees, strict=True):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or (name := _called(node)) not in params:
                continue
            index = params[name]
            given = [k.value for k in node.keywords if k.arg == "msgid"]
            if len(node.args) > index:
                given.append(node.args[index])
            for arg in given:
                literal = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                if literal and arg.value not in catalog:  # type: ignore[attr-defined]
                    missing.append(f"{path.name}:{node.lineno} {arg.value}")  # type: ignore[attr-defined]
    assert missing == [], "text ids passed to a lookup but missing from the catalogs"


def test_every_literal_at_a_lookup_is_marked() -> None:
    """Marked with N_ (or written as t("...")), so extraction and the unused-id check see it."""
    files = sorted((ROOT / "sipbot").rglob("*.py"))
    trees = [ast.parse(f.read_text(), str(f)) for f in files]
    extracted = ("t", "N_", "ngettext", "npgettext")  # keywords extraction knows
    params = {k: v for k, v in _lookup_params(trees).items() if k not in extracted}
    bare = []
    for path, tree in zip(files, trees, strict=True):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and (name := _called(node)) in params:
                args = [*node.args[params[name] : params[name] + 1]]
                args += [k.value for k in node.keywords if k.arg == "msgid"]
                for arg in args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        bare.append(f"{path.name}:{node.lineno} {arg.value}")
    assert bare == [], "wrap these ids in N_()"


def test_templates_have_no_words_outside_the_catalogs() -> None:
    """A web page's words come from t("..."): once the Jinja2 parts and the tags are taken
    out of a template, no letters are left, nor in an attribute a reader hears or sees."""
    import re

    spoken = re.compile(r'\b(?:alt|title|aria-label|placeholder|value)="([^"]*)"')
    words = []
    for path in sorted((ROOT / "sipbot/web/templates").rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        bare = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", source, flags=re.S)
        for value in spoken.findall(bare):
            if re.search(r"[^\W\d_]", value):
                words.append(f"{path.name}: attribute {value!r}")
        text = re.sub(r"<[^>]*>", " ", bare)
        text = text.replace("&nbsp;", " ")
        found = re.findall(r"[^\W\d_]{2,}", text)
        if found:
            words.append(f"{path.name}: {found}")
    assert words == [], "words in templates that bypass the catalogs"
