"""The pages start with the bot: beside `sipbot run`'s Application, and in `sipbot try`."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from urllib.parse import unquote

import aiohttp
import pytest

from sipbot.chat.app import build_application
from sipbot.cli import _pages_beside
from sipbot.config import ConfigError, Settings
from sipbot.playground.emulator import BotApiEmulator
from sipbot.services import Services
from sipbot.web.initdata import verify
from sipbot.web.server import WebServer
from tests.test_startup_checks import one_line, run_bot
from tests.test_startup_errors import play, run
from tests.web_story import free_port


async def test_the_pages_start_and_stop_with_the_bot(services: Services) -> None:
    port = free_port()
    services.settings = services.settings.model_copy(
        update={"web_port": port, "public_url": f"http://127.0.0.1:{port}"}
    )
    app = build_application(services, rate_limit=False)
    _pages_beside(app, services)
    async with app, aiohttp.ClientSession() as http:
        await app.post_init(app)  # type: ignore[misc]  # what run_polling calls first
        async with http.get(f"http://127.0.0.1:{port}/accessibility") as page:
            assert page.status == 200
        await app.post_shutdown(app)  # type: ignore[misc]
        with pytest.raises(aiohttp.ClientConnectionError):
            await http.get(f"http://127.0.0.1:{port}/")


async def test_a_busy_port_is_one_line(services: Services) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        server = WebServer(services, port=port)
        with pytest.raises(
            ConfigError, match=rf"^SIPBOT_WEB_PORT: cannot listen on 127\.0\.0\.1:{port}"
        ):
            await server.start()


def test_run_with_a_bad_public_url_stops_with_one_line(tmp_path: Path, database_url: str) -> None:
    code, err = run_bot(
        tmp_path, database_url, SIPBOT_WEB_PORT="8080", SIPBOT_PUBLIC_URL="http://sip.example.se"
    )
    assert code == 2
    assert (
        one_line(err)
        == "sipbot: SIPBOT_PUBLIC_URL: must start with https:// (http:// only for localhost)"
    )


async def test_run_on_a_busy_port_stops_with_one_line(
    emu: BotApiEmulator, services: Services, settings: Settings, tmp_path: Path
) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        code, lines = await run(
            tmp_path,
            settings,
            SIPBOT_WEB_PORT=str(port),
            SIPBOT_PUBLIC_URL="https://sip.example.se",
        )
    assert code == 2
    assert lines == [
        f"sipbot: SIPBOT_WEB_PORT: cannot listen on 127.0.0.1:{port} (Address already in use)"
    ]


async def test_try_prints_the_pages_and_a_signed_session_link(tmp_path: Path) -> None:
    script = tmp_path / "demo.txt"
    script.write_text("/start\n")
    code, out = await play(tmp_path, tmp_path / "play", script, "--user", "4343")
    assert code == 0, out
    pages = re.search(r"^web pages: (http://127\.0\.0\.1:\d+/)$", out, re.M)
    link = re.search(r"^signed in as the playground user: (\S+)$", out, re.M)
    assert pages and link, out
    assert link.group(1).startswith(pages.group(1) + "enter#tgWebAppData=")
    data = unquote(link.group(1).split("#tgWebAppData=")[1])
    from datetime import UTC, datetime

    user = verify(data, "1000:playground", datetime.now(UTC), 86_400)
    assert user.id == 4343
