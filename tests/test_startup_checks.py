"""Bad configuration, a bad deployment or flow file, or a wrong schema stop `sipbot run`
with one clear line and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from sipbot.cli import new_key
from sipbot.db.engine import make_engine
from sipbot.db.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "jamtland-harjedalen.yaml"
FLOW = ROOT / "conversations" / "sip_request.yaml"


def run_bot(tmp_path: Path, database_url: str, **env: str) -> tuple[int, str]:
    base = {
        "SIPBOT_TELEGRAM_TOKEN": "1000:test",
        "SIPBOT_TELEGRAM_API_URL": "http://127.0.0.1:9",
        "SIPBOT_SECRET_KEY": new_key(),
        "SIPBOT_DATABASE_URL": database_url,
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIPBOT_")}
    proc = subprocess.run(
        [sys.executable, "-m", "sipbot", "run"],
        env={**clean, **base, **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    return proc.returncode, proc.stderr


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SIPBOT_TELEGRAM_TOKEN": ""}, "SIPBOT_TELEGRAM_TOKEN: missing"),
        ({"SIPBOT_TELEGRAM_TOKEN": "nocolon"}, "SIPBOT_TELEGRAM_TOKEN: malformed"),
        ({"SIPBOT_SECRET_KEY": ""}, "SIPBOT_SECRET_KEY: missing"),
        ({"SIPBOT_SECRET_KEY": "c2hvcnQ"}, "SIPBOT_SECRET_KEY: must decode to 32 bytes"),
        ({"SIPBOT_TIMEZONE": "Mars/Olympus"}, "SIPBOT_TIMEZONE: unknown time zone"),
        ({"SIPBOT_TELEGRAM_API_URL": "ftp://x"}, "SIPBOT_TELEGRAM_API_URL: must start with"),
        ({"SIPBOT_DEPLOYMENT": "/nope.yaml"}, "SIPBOT_DEPLOYMENT: no such file"),
    ],
)
def test_bad_setting_names_the_variable(
    tmp_path: Path, database_url: str, env: dict[str, str], expected: str
) -> None:
    code, err = run_bot(tmp_path, database_url, **env)
    assert code == 2
    assert one_line(err).startswith(f"sipbot: {expected}")


def test_bad_deployment_file_names_file_and_line(tmp_path: Path, database_url: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("intake_unit: krokom", "intake_unit: krokum"))
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1) if "krokum" in t)
    code, err = run_bot(tmp_path, database_url, SIPBOT_DEPLOYMENT=str(bad))
    assert code == 2
    assert one_line(err) == f"sipbot: {bad}:{line}: municipalities.3.intake_unit: no unit 'krokum'"


def test_bad_flow_file_names_file_and_line(tmp_path: Path, database_url: str) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    text_ = FLOW.read_text().replace(
        "    when: {step: role, any_of: [relative]}", "    when: {step: rol, any_of: [relative]}"
    )
    (flows / "sip_request.yaml").write_text(text_)
    code, err = run_bot(tmp_path, database_url, SIPBOT_CONVERSATIONS_DIR=str(flows))
    line = one_line(err)
    assert code == 2 and f"{flows / 'sip_request.yaml'}:" in line
    assert "steps.3.when: refers to 'rol', not an earlier step" in line  # relation
    bad_line = int(line.removeprefix(f"sipbot: {flows / 'sip_request.yaml'}:").split(":")[0])
    assert "when: {step: rol" in text_.splitlines()[bad_line - 1]


def test_unmigrated_database_is_refused(tmp_path: Path, empty_database_url: str) -> None:
    code, err = run_bot(tmp_path, empty_database_url)
    assert code == 2
    assert one_line(err) == "sipbot: database: not set up; run `sipbot db upgrade` first"


def test_database_newer_than_the_code_is_refused(tmp_path: Path, database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    code, err = run_bot(tmp_path, database_url)
    assert code == 2
    assert "schema 9999 is newer than this sipbot" in one_line(err)
