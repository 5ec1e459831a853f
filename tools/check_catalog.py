#!/usr/bin/env python3
"""Check a translated catalog against a reference catalog (English plain by default).

Every id of the reference must be present with a non-empty text, and the text must use
the same set of ``{placeholders}`` and the same number of line breaks. A missing or
renamed placeholder breaks formatting at run time, an extra one raises KeyError. Ids the
reference does not have are reported too, because they are stale and nobody sees them.

Usage: tools/check_catalog.py locales/uk/LC_MESSAGES/plain.po [reference.po]
Exits 1 and prints the offending ids when anything is wrong.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = ROOT / "locales" / "en" / "LC_MESSAGES" / "plain.po"
# Format fields as str.format sees them; "{{" escapes are not fields.
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}")


def texts(path: Path) -> dict[str, str]:
    """Map each id to its text (the first form if the entry has plural forms)."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    result: dict[str, str] = {}
    for message in catalog:
        if not message.id:
            continue  # the header
        key = message.id if isinstance(message.id, str) else message.id[0]
        value = message.string
        if isinstance(value, (list, tuple)):
            value = value[0] if all(value) else ""
        result[key] = value or ""
    return result


def header_problems(path: Path) -> list[str]:
    """The header names the catalog's own language and declares its plural forms.

    Read raw, because Babel keeps only the header fields it knows.
    """
    with path.open("rb") as handle:
        catalog = read_po(handle)
    problems: list[str] = []
    parts = path.resolve().parts
    if "LC_MESSAGES" in parts:
        folder = parts[parts.index("LC_MESSAGES") - 1]
        if str(catalog.locale_identifier or "") != folder:
            problems.append(f"header: Language is {catalog.locale_identifier}, folder is {folder}")
    raw = path.read_text(encoding="utf-8")
    if "Plural-Forms:" not in raw.split("\n\n", 1)[0]:
        problems.append("header: no Plural-Forms")
    return problems


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def check(path: Path, reference: Path) -> list[str]:
    expected = texts(reference)
    found = texts(path)
    problems = header_problems(path)
    for key, source in expected.items():
        if key not in found:
            problems.append(f"missing: {key}")
        elif not found[key].strip():
            problems.append(f"empty: {key}")
        elif placeholders(found[key]) != placeholders(source):
            want = sorted(placeholders(source))
            got = sorted(placeholders(found[key]))
            problems.append(f"placeholders: {key}: want {want}, got {got}")
        elif found[key].count("\n") != source.count("\n"):
            # Line breaks carry layout (notices, lists), so a translation keeps them.
            problems.append(f"line breaks: {key}: want {source.count(chr(10))}, "
                            f"got {found[key].count(chr(10))}")
    problems.extend(f"not in reference: {key}" for key in found if key not in expected)
    return problems


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = Path(argv[1])
    reference = Path(argv[2]) if len(argv) == 3 else DEFAULT_REFERENCE
    problems = check(path, reference)
    for problem in problems:
        print(problem)
    total = len(texts(reference))
    print(f"{path}: {total - sum(1 for p in problems if not p.startswith(('not in', 'header')))}"
          f"/{total} entries ok", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
