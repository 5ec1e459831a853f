"""The region's OpenID Connect provider in the tests: tests/oidc/provider.py as its own
process on a free port, and sipbot's pages configured to sign staff in through it.

`idp_pages` starts both: the pages' port is chosen first (the provider must know the
redirect URI), then the provider (its issuer names the port it got), then the pages.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
import pytest_asyncio
from yarl import URL

from sipbot.services import Services
from sipbot.web.server import WebServer
from tests.web_story import Visitor, free_port

PROVIDER = Path(__file__).resolve().parent / "oidc" / "provider.py"
# The certified provider (npm oidc-provider), installed by `npm ci` in tests/oidc/.
NODE = PROVIDER.with_name("provider.mjs")
CLIENT_ID = "sipbot-test"
CLIENT_SECRET = "test-secret-not-for-use"  # a test client's, known to the test provider only
ID_TOKEN_TTL = 300
USER = "anna"
PASSWORD = "anna-password"
HSA_ID = "SE2321000016-A1B2"
PNR = "198112189876"
NAME = "Anna Andersson"


@dataclass
class Idp:
    issuer: str
    process: asyncio.subprocess.Process


async def start_provider(redirect_uri: str, kind: str = "python") -> Idp:
    config = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [redirect_uri],
        "id_token_ttl": ID_TOKEN_TTL,
        "users": {
            USER: {
                "password": PASSWORD,
                "claims": {
                    "sub": "pairwise-7f3a",
                    "hsa_id": HSA_ID,
                    "name": NAME,
                    "personal_identity_number": PNR,
                },
            }
        },
    }
    command = [sys.executable, str(PROVIDER)] if kind == "python" else ["node", str(NODE)]
    process = await asyncio.create_subprocess_exec(
        *command,
        json.dumps(config),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = (await process.stdout.readline()).decode().strip()  # the readiness line
    assert line.startswith("READY "), f"the provider did not start: {line!r}"
    return Idp(line.removeprefix("READY "), process)


async def stop_provider(idp: Idp) -> None:
    assert idp.process.stdin is not None
    idp.process.stdin.close()  # it stops when its stdin ends
    try:
        await asyncio.wait_for(idp.process.wait(), 10)
    except TimeoutError:
        idp.process.kill()
        await idp.process.wait()


@pytest_asyncio.fixture(name="idp_pages", params=["python", "node"])
async def idp_pages_fixture(
    services: Services, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[Idp, WebServer]]:
    if request.param == "node" and not (NODE.parent / "node_modules").is_dir():
        # The provider's packages, pinned by package-lock.json; never a skip: a missing
        # provider is a failure (.ci/run installs it the same way).
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE.parent, check=True,
            stdin=subprocess.DEVNULL, capture_output=True,
        )
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    idp = await start_provider(origin + "/oidc/callback", request.param)
    services.settings = services.settings.model_copy(
        update={
            "web_port": port,
            "public_url": origin,
            "oidc_mode": "required",
            "oidc_issuer": idp.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
            "oidc_staff_claim": "hsa_id",
        }
    )
    server = WebServer(services)
    await server.start()
    try:
        yield idp, server
    finally:
        await server.stop()
        await stop_provider(idp)


_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


class StaffBrowser(Visitor):
    """A staff member's browser outside Telegram: the desk, then the provider's pages."""

    authorize_url = ""
    page_url: URL | None = None

    async def step(self, url: str) -> aiohttp.ClientResponse:
        async with self.http.get(url, allow_redirects=False) as r:
            self.last = await r.text()
            return r

    async def _follow(self, r: aiohttp.ClientResponse) -> str | None:
        """Redirects up to a page (None, the page in self.last) or to sipbot's callback."""
        while r.status in (302, 303):
            target = r.url.join(URL(r.headers["Location"]))
            if target.path == "/oidc/callback":
                return str(target)  # the browser arrives back at sipbot: the test decides
            at_provider = target.host == self.base.host and target.port != self.base.port
            if at_provider and not self.authorize_url:
                self.authorize_url = str(target)  # the first address at the provider
            r = await self.step(str(target))
        assert r.status == 200, (r.status, self.last)
        self.page_url = r.url
        return None

    async def to_provider_login(self, path: str = "/desk") -> None:
        """Open a desk page; follow sipbot's redirects to the provider's login page."""
        self.authorize_url = ""
        assert await self._follow(await self.step(str(self.base.join(URL(path))))) is None
        assert 'name="password"' in self.last, self.last

    def pending_state(self) -> str:
        """The `state` sipbot sent with the last trip to the provider."""
        return query_of(self.authorize_url)["state"]

    async def logs_in(self, password: str = PASSWORD) -> str:
        """Fill the provider's forms (login, then consent if asked); returns the callback
        address the provider sends the browser to."""
        for _ in range(5):
            action = _ACTION.search(self.last)
            assert action is not None and self.page_url is not None, self.last
            data = dict(_HIDDEN.findall(self.last))
            if 'name="password"' in self.last:
                data |= {"login": USER, "password": password}
            async with self.http.post(
                self.page_url.join(URL(html.unescape(action.group(1)))),
                data=data,
                allow_redirects=False,
            ) as r:
                self.last = await r.text()
                callback = await self._follow(r)
            if callback is not None:
                return callback
        raise AssertionError("the provider never sent the browser back")

    async def returns(self, callback: str) -> aiohttp.ClientResponse:
        """The browser arrives back at sipbot's callback."""
        return await self.step(callback)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = query_of(url) | changes
    return parts._replace(query=urlencode(query)).geturl()
