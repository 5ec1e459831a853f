"""The bot as its own process, for hard-kill tests."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sipbot.config import Settings
from sipbot.playground.emulator import BotApiEmulator

# A wait fails only when nothing has moved for this long: the other process is stuck or dead.
# It bounds a hang, never the speed of a busy machine.
STALL = 120.0


@asynccontextmanager
async def bot_process(
    settings: Settings, tmp_path: Path, emu: BotApiEmulator | None = None, **extra_env: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`sipbot run` as its own process, long-polling the test's emulator.

    With ``emu``, returns once the process asks for updates, however long its start takes.
    """
    env = {
        **os.environ,
        "SIPBOT_TELEGRAM_TOKEN": settings.telegram_token,
        "SIPBOT_TELEGRAM_API_URL": settings.telegram_api_url,
        "SIPBOT_DATABASE_URL": settings.db_url,
        "SIPBOT_SECRET_KEY": settings.secret_key,
        "SIPBOT_DATA_DIR": str(tmp_path),
        "SIPBOT_DEPLOYMENT": str(settings.deployment),
        # The test's own settings win over the fixed ones above and over the environment.
        **extra_env,
    }
    log_path = tmp_path / "bot.log"
    log = log_path.open("ab")
    started = emu.polled() if emu is not None else None
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sipbot", "run", env=env, stdout=log, stderr=log, cwd=tmp_path
    )
    try:
        if started is not None:
            await _first_of(proc, started, log_path)
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
        log.close()


async def _first_of(
    proc: asyncio.subprocess.Process, waiting: Coroutine[Any, Any, None], log: Path
) -> None:
    """Wait for ``waiting``; fail at once, with the process's log, if the process ends first."""
    task = asyncio.ensure_future(waiting)
    ended = asyncio.ensure_future(proc.wait())
    await asyncio.wait({task, ended}, return_when=asyncio.FIRST_COMPLETED)
    if not task.done():
        task.cancel()
        raise AssertionError(f"the bot process ended ({proc.returncode}):\n{log.read_text()}")
    ended.cancel()


async def until_done(
    done: Callable[[], bool], progress: Callable[[], int], proc: asyncio.subprocess.Process
) -> None:
    """Wait until ``done()``; fail only if ``progress()`` stands still for STALL seconds
    or the process died."""
    loop = asyncio.get_running_loop()
    last, moved_at = progress(), loop.time()
    while not done():
        assert proc.returncode is None, f"the bot process ended ({proc.returncode})"
        now = progress()
        if now != last:
            last, moved_at = now, loop.time()
        assert loop.time() - moved_at < STALL, f"no progress for {STALL:.0f} s (at {now})"
        await asyncio.sleep(0.02)


async def hard_kill(proc: asyncio.subprocess.Process) -> None:
    proc.send_signal(signal.SIGKILL)
    assert await proc.wait() == -signal.SIGKILL
