"""How complete each catalog is: what `sipbot languages` prints for the operator."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog

from sipbot.i18n import REGISTERS, STAFF_LANGUAGES, STATUS_HEADER, headers, read_catalog

REVIEWED = "reviewed"  # what a catalog without an X-Translation-Status header is taken to be


@dataclass(frozen=True)
class Coverage:
    lang: str
    register: str
    translated: int  # entries with every form filled in
    total: int  # entries in the reference catalog (sv plain)
    status: str
    fallback: bool  # no such catalog: this register shows the plain texts
    offered: bool  # the deployment offers the language
    staff_in_swedish: bool = False  # only staff (and web page) texts missing: shown in Swedish


def _filled(catalog: Catalog) -> set[str]:
    found = set()
    for m in catalog:
        if not m.id:
            continue
        forms = m.string if isinstance(m.string, tuple) else (m.string,)
        if all(str(f or "").strip() for f in forms):
            found.add(m.id[0] if isinstance(m.id, tuple) else m.id)
    return found


def coverage(locales_dir: Path, offered: tuple[str, ...]) -> list[Coverage]:
    """One row per language and register. An easy catalog counts what it words itself; its
    empty entries show the plain text (allowed where the plain text is already easy)."""
    reference = {
        m.id[0] if isinstance(m.id, tuple) else m.id
        for m in read_catalog(locales_dir / "sv" / "LC_MESSAGES" / "plain.po")
        if m.id
    }
    rows = []
    for plain in sorted(locales_dir.glob("*/LC_MESSAGES/plain.po")):
        lang = plain.parent.parent.name
        status = headers(plain).get(STATUS_HEADER, "") or REVIEWED
        for register in REGISTERS:
            path = plain.with_name(f"{register}.po")
            if not path.is_file():
                rows.append(
                    Coverage(lang, register, 0, len(reference), status, True, lang in offered)
                )
                continue
            done = _filled(read_catalog(path)) & reference
            own = headers(path).get(STATUS_HEADER, "") or status
            missing = reference - done
            staff_swedish = (
                bool(missing)
                and lang not in STAFF_LANGUAGES
                # The web pages are shown in the staff language too (sipbot/web/server.py)
                # until the person's own pages come, so they count as staff texts here.
                and all(m.startswith(("staff.", "web.", "mail.")) for m in missing)
            )
            rows.append(
                Coverage(
                    lang,
                    register,
                    len(done),
                    len(reference),
                    own,
                    False,
                    lang in offered,
                    register == "plain" and staff_swedish,
                )
            )
    return rows


def format_coverage(rows: list[Coverage]) -> str:
    lines = ["language  register  translated  offered  status"]
    for r in rows:
        done = "-" if r.fallback else f"{r.translated}/{r.total}"
        note = ""
        if r.fallback:
            note = "; no catalog: shows the plain texts"
        elif r.staff_in_swedish:
            note = "; staff texts shown in Swedish, as are the web pages"
        lines.append(
            f"{r.lang:<9} {r.register:<9} {done:<11} {'yes' if r.offered else 'no':<8} "
            f"{r.status}{note}"
        )
    return "\n".join(lines)
