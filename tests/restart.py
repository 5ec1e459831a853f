"""The bot as its own process, for hard-kill tests."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sipbot.config import Settings


@asynccontextmanager
async def bot_process(
    settings: Settings, tmp_path: Path, **extra_env: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`sipbot run` as its own process, long-polling the test's emulator."""
    env = {
        **extra_env,
        **os.environ,
        "SIPBOT_TELEGRAM_TOKEN": settings.telegram_token,
        "SIPBOT_TELEGRAM_API_URL": settings.telegram_api_url,
        "SIPBOT_DATABASE_URL": settings.db_url,
        "SIPBOT_SECRET_KEY": settings.secret_key,
        "SIPBOT_DATA_DIR": str(tmp_path),
        "SIPBOT_DEPLOYMENT": str(settings.deployment),
    }
    log = (tmp_path / "bot.log").open("ab")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sipbot", "run", env=env, stdout=log, stderr=log, cwd=tmp_path
    )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
        log.close()


async def hard_kill(proc: asyncio.subprocess.Process) -> None:
    proc.send_signal(signal.SIGKILL)
    assert await proc.wait() == -signal.SIGKILL
