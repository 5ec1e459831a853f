"""`sipbot run` with a token Telegram refuses, an API it cannot reach, or a key that does not
open the stored data: one line naming the variable, no traceback, and never the token."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from sipbot.cli import new_key
from sipbot.config import Settings
from sipbot.i18n import Catalogs
from sipbot.playground.emulator import BotApiEmulator
from sipbot.playground.seed import seed_due_reminders
from sipbot.services import Services
from tests.scripts import BRANCHES

TOKEN = "1000:SECRET-token-value"


async def run(tmp_path: Path, settings: Settings, **env: str) -> tuple[int, list[str]]:
    """The real `sipbot run` until it ends; its exit code and every line it printed."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIPBOT_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sipbot",
        "run",
        env={
            **clean,
            "SIPBOT_TELEGRAM_TOKEN": TOKEN,
            "SIPBOT_TELEGRAM_API_URL": settings.telegram_api_url,
            "SIPBOT_SECRET_KEY": settings.secret_key,
            "SIPBOT_DATABASE_URL": settings.db_url,
            "SIPBOT_DEPLOYMENT": str(settings.deployment),
            "SIPBOT_DATA_DIR": str(tmp_path),
            **env,
        },
        cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    lines = (out + err).decode().splitlines()
    assert all(TOKEN not in line and "SECRET-token" not in line for line in lines), lines
    return proc.returncode or 0, lines


async def test_a_refused_token_is_one_line(
    emu: BotApiEmulator, services: Services, settings: Settings, tmp_path: Path
) -> None:
    emu.inject("getMe", status=401)
    code, lines = await run(tmp_path, settings)
    assert code == 2
    assert lines == [
        "sipbot: SIPBOT_TELEGRAM_TOKEN: Telegram refused the token (getMe); check it"
    ]


async def test_an_unreachable_api_is_one_line(
    services: Services, settings: Settings, tmp_path: Path
) -> None:
    code, lines = await run(tmp_path, settings, SIPBOT_TELEGRAM_API_URL="http://127.0.0.1:9")
    assert code == 2
    assert len(lines) == 1
    assert lines[0].startswith(
        "sipbot: SIPBOT_TELEGRAM_API_URL: could not ask http://127.0.0.1:9 for the bot's name"
    )


async def test_a_key_that_does_not_open_the_data_is_one_line(
    services: Services, settings: Settings, tmp_path: Path
) -> None:
    seed_due_reminders(services, 1, 500, BRANCHES["self"][0])  # an encrypted request stored
    code, lines = await run(tmp_path, settings, SIPBOT_SECRET_KEY=new_key())
    assert code == 2
    assert len(lines) == 1
    assert lines[0].startswith("sipbot: SIPBOT_SECRET_KEY: does not open the stored data")


async def play(tmp_path: Path, folder: Path, script: Path, *extra: str) -> tuple[int, str]:
    """`sipbot try --data-dir folder --script script` with no SIPBOT_ setting of the machine's."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIPBOT_")}
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "sipbot", "try", "--data-dir", str(folder)),
        *("--script", str(script), *extra),
        env=clean,
        cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


async def test_the_playground_reopens_its_data_folder(tmp_path: Path) -> None:
    folder, script = tmp_path / "play", tmp_path / "demo.txt"
    script.write_text("/start\n1\n1\n")  # Svenska, plain: the person's choice is stored
    first_code, first = await play(tmp_path, folder, script)
    key = (folder / "secret.key").read_text()
    assert first_code == 0, first
    assert (folder / "secret.key").stat().st_mode & 0o777 == 0o600
    code, second = await play(tmp_path, folder, script)
    assert code == 0, second
    assert "Traceback" not in second and "InvalidTag" not in second
    assert (folder / "secret.key").read_text() == key  # made once, never overwritten
    assert "bot>" in second


async def test_the_playground_enrols_staff_without_a_bot_username(
    tmp_path: Path, catalogs: Catalogs
) -> None:
    script = tmp_path / "staff.txt"
    script.write_text("/queue\n")
    code, text = await play(tmp_path, tmp_path / "play", script, "--staff", "ostersund")
    assert code == 0, text
    t = catalogs.texts("sv", easy=False)
    welcome = t("staff.enrolled", unit="\0").split("\0")[0]  # the words before the unit
    assert welcome in text.replace("\n     ", " "), text
    assert "Östersund" in text
