"""Start-up loads what a start needs: the PDF library, Alembic and icalendar wait for use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START = """
import sys
from sipbot.chat.app import build_application
from sipbot.db.engine import make_engine
from sipbot.db.migrate import check_current
check_current(make_engine(sys.argv[1]))
print(",".join(m for m in ("fpdf", "fontTools", "alembic", "icalendar") if m in sys.modules))
"""


def test_a_start_imports_neither_fpdf_nor_alembic(database_url: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", START, database_url], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_making_a_pdf_still_loads_it() -> None:
    from sipbot.documents.model import RequestDocument, Section
    from sipbot.documents.pdf import render_pdf

    doc = RequestDocument(
        "Förfrågan", "SIP-7K3Q-M9X", [("Datum", "1 dec")], [Section("Mål", ["Ja"])], "x"
    )
    assert render_pdf(doc).startswith(b"%PDF")
