"""Every text id the code or the flows use is in the catalogs, and no catalog id is unused."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from sipbot.i18n import read_catalog

ROOT = Path(__file__).resolve().parent.parent


def test_extracted_ids_match_the_catalogs() -> None:
    found = {
        msg
        for _file, _line, msg, _comments, _ctx in extract_from_dir(
            str(ROOT),
            method_map=[("sipbot/**.py", "python"), ("conversations/*.yaml", "sipbot_flow")],
            keywords={"t": None, "N_": None, "_": None},
        )
    }
    catalog = {m.id for m in read_catalog(ROOT / "locales/sv/LC_MESSAGES/plain.po") if m.id}
    assert found - catalog == set(), "used in code or flows but not in the catalogs"
    assert catalog - found == set(), "in the catalogs but used nowhere"
