"""The web pages in the tests: a real server on this machine, a client with its cookies.

`pages` runs sipbot.web beside the bot (same Services, same database, same fake clock);
`Visitor` is someone with a browser-like cookie jar, signed in from a Telegram initData.
"""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest_asyncio
from yarl import URL

from sipbot.services import Services
from sipbot.web.initdata import signed_for_test
from sipbot.web.server import WebServer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_pages(services: Services) -> WebServer:
    port = free_port()
    services.settings = services.settings.model_copy(
        update={"web_port": port, "public_url": f"http://127.0.0.1:{port}"}
    )
    server = WebServer(services)
    await server.start()
    return server


@pytest_asyncio.fixture(name="pages")
async def pages_fixture(services: Services) -> AsyncIterator[WebServer]:
    server = await start_pages(services)
    try:
        yield server
    finally:
        await server.stop()


_CSRF = re.compile(r'name="csrf" value="([^"]*)"')


class Visitor:
    def __init__(self, server: WebServer) -> None:
        self.server = server
        self.base = URL(server.local_url)
        # unsafe: keep cookies for an IP address host (127.0.0.1), as a browser does.
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.last = ""

    async def close(self) -> None:
        await self.http.close()

    async def get(self, path: str, **params: str) -> tuple[int, str]:
        async with self.http.get(self.base.join(URL(path)), params=params) as r:
            self.last = await r.text()
            return r.status, self.last

    async def post(
        self, path: str, data: dict[str, str], *, follow: bool = True
    ) -> aiohttp.ClientResponse:
        async with self.http.post(
            self.base.join(URL(path)), data=data, allow_redirects=follow
        ) as r:
            self.last = await r.text()
            return r

    def csrf(self) -> str:
        """The token in the page last read."""
        found = _CSRF.search(self.last)
        assert found is not None, "no form with a token on the page"
        return found.group(1)

    async def signs_in(self, init_data: str) -> aiohttp.ClientResponse:
        """What the Telegram button and the page's script do: open /enter, post initData."""
        status, _ = await self.get("/enter")
        assert status == 200
        return await self.post(
            "/enter", {"csrf": self.csrf(), "next": "/", "init_data": init_data}, follow=False
        )

    async def signs_in_as(self, user_id: int) -> None:
        services = self.server.services
        data = signed_for_test(services.settings.telegram_token, user_id, services.clock())
        response = await self.signs_in(data)
        assert response.status == 303, self.last


@pytest_asyncio.fixture(name="visitor")
async def visitor_fixture(pages: WebServer) -> AsyncIterator[Visitor]:
    v = Visitor(pages)
    try:
        yield v
    finally:
        await v.close()


def texts_in(html: str) -> str:
    """The page's words without tags and with entities read, to find a catalog text in it."""
    import html as html_lib

    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))
