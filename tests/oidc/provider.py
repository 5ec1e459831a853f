"""A small OpenID Connect provider for the tests, run as its own process, speaking HTTP.

Usage: python tests/oidc/provider.py CONFIG_JSON
CONFIG_JSON: {"client_id", "client_secret", "redirect_uris": [...], "id_token_ttl": seconds,
              "users": {login: {"password": ..., "claims": {"sub": ..., ...}}}}
Prints "READY <issuer>" on stdout once it listens (on a free port of 127.0.0.1).

What it does is what the region's IdP does for the code flow (OpenID Connect Core 1.0, 3.1):
discovery, JWKS, /authorize with a login page, one-time codes bound to the client, the
redirect URI and the PKCE S256 challenge, /token with client_secret_basic, RS256 ID tokens
carrying the nonce. It is not sipbot's code: the tests drive sipbot's client against it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import json
import secrets
import sys
import time
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from joserfc import jwt
from joserfc.jwk import RSAKey

CODE_TTL = 60


class Provider:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-1", "use": "sig"})
        self.issuer = ""
        self.transactions: dict[str, dict[str, str]] = {}
        self.codes: dict[str, dict[str, Any]] = {}

    def discovery(self, request: web.Request) -> web.Response:
        i = self.issuer
        return web.json_response(
            {
                "issuer": i,
                "authorization_endpoint": f"{i}/authorize",
                "token_endpoint": f"{i}/token",
                "jwks_uri": f"{i}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "scopes_supported": ["openid", "profile"],
            }
        )

    def jwks(self, request: web.Request) -> web.Response:
        return web.json_response({"keys": [self.key.as_dict(private=False)]})

    def authorize(self, request: web.Request) -> web.Response:
        q = request.query
        c = self.config
        # A wrong client or redirect URI is answered here, never redirected (Core 3.1.2.6).
        if q.get("client_id") != c["client_id"] or q.get("redirect_uri") not in c["redirect_uris"]:
            return web.Response(status=400, text="invalid_client or redirect_uri")
        if (
            q.get("response_type") != "code"
            or "openid" not in q.get("scope", "").split()
            or q.get("code_challenge_method") != "S256"
            or not q.get("code_challenge")
        ):
            where = (
                q["redirect_uri"]
                + "?"
                + urlencode({"error": "invalid_request", "state": q.get("state", "")})
            )
            raise web.HTTPFound(where)
        txn = secrets.token_urlsafe(16)
        self.transactions[txn] = dict(q)
        page = (
            '<!doctype html><title>Login</title><form method="post" action="/login">'
            f'<input type="hidden" name="txn" value="{html.escape(txn)}">'
            '<input name="login"><input name="password" type="password">'
            "<button>Sign in</button></form>"
        )
        return web.Response(text=page, content_type="text/html")

    async def login(self, request: web.Request) -> web.Response:
        form = await request.post()
        t = self.transactions.pop(str(form.get("txn", "")), None)
        user = self.config["users"].get(str(form.get("login", "")))
        if t is None:
            return web.Response(status=400, text="unknown transaction")
        if user is None or not hmac.compare_digest(user["password"], str(form.get("password"))):
            return web.Response(status=401, text="wrong login")
        code = secrets.token_urlsafe(32)
        self.codes[code] = {
            "client_id": t["client_id"],
            "redirect_uri": t["redirect_uri"],
            "challenge": t["code_challenge"],
            "nonce": t.get("nonce"),
            "claims": user["claims"],
            "auth_time": int(time.time()),
            "used": False,
        }
        where = (
            t["redirect_uri"]
            + "?"
            + urlencode({"code": code, "state": t.get("state", ""), "iss": self.issuer})
        )
        raise web.HTTPFound(where)

    def _error(self, error: str, status: int = 400) -> web.Response:
        return web.json_response(
            {"error": error}, status=status, headers={"Cache-Control": "no-store"}
        )

    async def token(self, request: web.Request) -> web.Response:
        c = self.config
        auth = request.headers.get("Authorization", "")
        expected = base64.b64encode(f"{c['client_id']}:{c['client_secret']}".encode()).decode()
        if not hmac.compare_digest(auth, f"Basic {expected}"):
            return self._error("invalid_client", 401)
        form = await request.post()
        if form.get("grant_type") != "authorization_code":
            return self._error("unsupported_grant_type")
        grant = self.codes.get(str(form.get("code", "")))
        if grant is None or grant["used"] or time.time() - grant["auth_time"] > CODE_TTL:
            return self._error("invalid_grant")
        grant["used"] = True  # one use: a replay is refused (RFC 6749 4.1.2)
        if grant["client_id"] != c["client_id"] or grant["redirect_uri"] != form.get(
            "redirect_uri"
        ):
            return self._error("invalid_grant")
        verifier = str(form.get("code_verifier", ""))
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if not hmac.compare_digest(challenge, grant["challenge"]):
            return self._error("invalid_grant")
        now = int(time.time())
        claims = {
            **grant["claims"],
            "iss": self.issuer,
            "aud": c["client_id"],
            "iat": now,
            "exp": now + int(c.get("id_token_ttl", 300)),
            "auth_time": grant["auth_time"],
        }
        if grant["nonce"]:
            claims["nonce"] = grant["nonce"]
        id_token = jwt.encode({"alg": "RS256", "kid": "test-1"}, claims, self.key)
        return web.json_response(
            {
                "access_token": secrets.token_urlsafe(32),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            },
            headers={"Cache-Control": "no-store"},
        )


async def main(config: dict[str, Any]) -> None:
    p = Provider(config)
    app = web.Application()
    app.router.add_get("/.well-known/openid-configuration", p.discovery)
    app.router.add_get("/jwks", p.jwks)
    app.router.add_get("/authorize", p.authorize)
    app.router.add_post("/login", p.login)
    app.router.add_post("/token", p.token)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    p.issuer = f"http://127.0.0.1:{port}"
    print(f"READY {p.issuer}", flush=True)
    # Until the test closes our stdin (or kills us).
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
