"""Staff sign-in outside Telegram through the region's OpenID Connect provider (SITHS eID).

The authorization code flow with PKCE (S256), `state` and `nonce`. The provider's endpoints
and keys come from its discovery document; the ID token's signature (JWKS), `iss`, `aud`,
`exp` and `nonce` are checked with joserfc (authlib's JOSE library) against sipbot's clock.
The claim named by SIPBOT_OIDC_STAFF_CLAIM finds the staff member through `staff_identity`
(a keyed hash of the value); the verified claims are stored encrypted.

Mode `required`: the desk's pages open only for a session that signed in here.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import Engine
from sqlmodel import Session, select

from sipbot.config import Settings
from sipbot.db.models import StaffIdentity, StaffMember
from sipbot.web.server import WEB, Web

log = logging.getLogger(__name__)
COOKIE = "sipbot_oidc"  # binds a pending sign-in to the browser that started it
PENDING_FOR = timedelta(minutes=10)  # time to get through the provider's login
MAX_PENDING = 1_000  # the oldest go first past this: starting sign-ins cannot fill the memory
DISCOVERY_FOR = 3600.0  # seconds a discovery document and its keys are kept
ALGORITHMS = ["RS256", "ES256", "PS256"]  # never "none", never HMAC with the client secret
DESK = "/desk"
# Seconds the provider's clock may differ from ours for `iat` and `exp` (OIDC Core 3.1.3.7).
CLOCK_SKEW = 60


class Refused(Exception):
    """A sign-in that must not open a session; `reason` is a word for the log, nothing else."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Pending:
    state: str
    nonce: str
    verifier: str
    binding: str  # the value of COOKIE in the browser that started
    target: str
    started: datetime


@dataclass
class Provider:
    """The provider's discovery document and keys, fetched once and kept for an hour."""

    issuer: str
    metadata: dict[str, Any] = field(default_factory=dict)
    keys: KeySet | None = None
    fetched: float = 0.0

    async def load(self, http: aiohttp.ClientSession, *, refresh: bool = False) -> None:
        if (
            self.keys is not None
            and not refresh
            and time.monotonic() - self.fetched < DISCOVERY_FOR
        ):
            return
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        async with http.get(url) as r:
            if r.status != 200:
                raise Refused("discovery")
            metadata = await r.json()
        # The document must be the issuer's own (OpenID Connect Discovery 1.0, section 4.3).
        if metadata.get("issuer") != self.issuer:
            raise Refused("discovery_issuer")
        async with http.get(metadata["jwks_uri"]) as r:
            if r.status != 200:
                raise Refused("jwks")
            self.keys = KeySet.import_key_set(await r.json())
        self.metadata = metadata
        self.fetched = time.monotonic()


@dataclass
class Oidc:
    settings: Settings
    provider: Provider
    pending: dict[str, Pending] = field(default_factory=dict)  # by state

    @property
    def required(self) -> bool:
        return self.settings.oidc_mode == "required"


OIDC = web.AppKey("oidc", Oidc)


def subject_hash(settings: Settings, value: str) -> str:
    """The staff claim's value as stored: keyed, so the table alone does not say who it is."""
    message = f"{settings.oidc_issuer}\0{value}".encode()
    return hmac.new(settings.key_bytes, message, hashlib.sha256).hexdigest()


def link(engine: Engine, settings: Settings, telegram_id: int, value: str) -> None:
    """Record that the provider's `value` of the staff claim is this staff member."""
    key = subject_hash(settings, value)
    with Session(engine) as db:
        row = db.get(StaffIdentity, key) or StaffIdentity(subject_hash=key, telegram_id=telegram_id)
        row.telegram_id = telegram_id
        db.add(row)
        db.commit()


def verified_identity(engine: Engine, telegram_id: int) -> dict[str, Any] | None:
    """What the provider last verified about a staff member (decrypted), or None."""
    with Session(engine) as db:
        row = db.exec(
            select(StaffIdentity)
            .where(StaffIdentity.telegram_id == telegram_id)
            .where(StaffIdentity.verified_at.is_not(None))  # type: ignore[union-attr]
        ).first()
        return None if row is None else row.verified


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _redirect_uri(w: Web) -> str:
    return w.origin + "/oidc/callback"


def _local(target: str) -> str:
    # Only a path of these pages: never an address elsewhere (no open redirect).
    return target if target.startswith("/") and not target.startswith("//") else DESK


async def start(request: web.Request) -> web.StreamResponse:
    w, o = request.app[WEB], request.app[OIDC]
    async with aiohttp.ClientSession() as http:
        try:
            await o.provider.load(http)
        except (Refused, aiohttp.ClientError, KeyError, ValueError) as exc:
            log.warning("web.oidc_unavailable kind=%s", type(exc).__name__)
            return await w.refuse(request, 503)
    if len(o.pending) >= MAX_PENDING:
        oldest = min(o.pending, key=lambda k: o.pending[k].started)
        del o.pending[oldest]
    p = Pending(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(64),  # 86 characters: within RFC 7636's 43..128
        binding=secrets.token_urlsafe(32),
        target=_local(request.query.get("next", DESK)),
        started=w.services.clock(),
    )
    o.pending[p.state] = p
    query = urlencode(
        {
            "response_type": "code",
            "client_id": o.settings.oidc_client_id,
            "redirect_uri": _redirect_uri(w),
            "scope": "openid profile",
            "state": p.state,
            "nonce": p.nonce,
            "code_challenge": _challenge(p.verifier),
            "code_challenge_method": "S256",
        }
    )
    response = web.HTTPSeeOther(f"{o.provider.metadata['authorization_endpoint']}?{query}")
    w.set_cookie(response, COOKIE, p.binding)
    raise response


async def _exchange(o: Oidc, w: Web, code: str, p: Pending) -> dict[str, Any]:
    """The code for tokens at the token endpoint, then the ID token's claims, checked."""
    s = o.settings
    async with aiohttp.ClientSession() as http:
        await o.provider.load(http)
        # client_secret_basic: each part form-encoded first (RFC 6749, 2.3.1).
        auth = {
            "Authorization": aiohttp.encode_basic_auth(
                quote(s.oidc_client_id, safe=""), quote(s.oidc_client_secret, safe="")
            )
        }
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": _redirect_uri(w),
            "code_verifier": p.verifier,
        }
        async with http.post(o.provider.metadata["token_endpoint"], data=form, headers=auth) as r:
            if r.status != 200:
                # The provider's error word (invalid_grant for a used code) is safe to log.
                body = await r.json(content_type=None)
                raise Refused(f"token_{body.get('error', r.status)}")
            tokens = await r.json()
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise Refused("no_id_token")
        try:
            token = jwt.decode(id_token, o.provider.keys, algorithms=ALGORITHMS)  # type: ignore[arg-type]
        except JoseError:
            # Perhaps the provider rolled its keys: fetch them once more, then give up.
            await o.provider.load(http, refresh=True)
            try:
                token = jwt.decode(id_token, o.provider.keys, algorithms=ALGORITHMS)  # type: ignore[arg-type]
            except JoseError:
                raise Refused("signature") from None
    now = int(w.services.clock().timestamp())
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=CLOCK_SKEW,
        iss={"essential": True, "value": s.oidc_issuer},
        aud={"essential": True, "value": s.oidc_client_id},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": p.nonce},
        sub={"essential": True},
    )
    try:
        registry.validate(token.claims)
    except JoseError as exc:
        # The claim's name, never its value.
        raise Refused(f"claims_{exc.error}_{getattr(exc, 'claim', '')}") from None
    # More than one audience: the token must be meant for us through `azp`.
    aud = token.claims["aud"]
    if isinstance(aud, list) and len(aud) > 1 and token.claims.get("azp") != s.oidc_client_id:
        raise Refused("claims_azp")
    return token.claims


def _sign_in(engine: Engine, settings: Settings, claims: dict[str, Any], now: datetime) -> int:
    value = claims.get(settings.oidc_staff_claim)
    if not isinstance(value, str) or not value:
        raise Refused("no_staff_claim")
    wanted = [c.strip() for c in settings.oidc_identity_claims.split(",") if c.strip()]
    with Session(engine) as db:
        row = db.get(StaffIdentity, subject_hash(settings, value))
        staff = row and db.get(StaffMember, row.telegram_id)
        if row is None or staff is None or not staff.active:
            raise Refused("not_staff")
        row.verified = {c: claims[c] for c in wanted if isinstance(claims.get(c), str)}
        row.verified_at = now
        db.add(row)
        db.commit()
        return staff.telegram_id


async def callback(request: web.Request) -> web.StreamResponse:
    w, o = request.app[WEB], request.app[OIDC]
    q = request.query
    p = o.pending.pop(q.get("state", ""), None)  # one use: a second callback finds nothing
    binding = request.cookies.get(COOKIE, "")
    try:
        if p is None:
            raise Refused("state")
        if not binding or not hmac.compare_digest(binding, p.binding):
            raise Refused("browser")  # someone else's sign-in, pasted into this browser
        if w.services.clock() - p.started > PENDING_FOR:
            raise Refused("late")
        if "error" in q or not q.get("code"):
            raise Refused("provider_error")
        if "iss" in q and q["iss"] != o.settings.oidc_issuer:
            raise Refused("iss")  # an answer from another provider (RFC 9207, mix-up)
        claims = await _exchange(o, w, q["code"], p)
        user_id = await asyncio.to_thread(
            _sign_in, w.services.engine, o.settings, claims, w.services.clock()
        )
    except Refused as exc:
        log.info("web.oidc_refused reason=%s", exc.reason)
        return await w.refuse(request, 403)
    except (aiohttp.ClientError, KeyError, ValueError) as exc:
        log.warning("web.oidc_failed kind=%s", type(exc).__name__)
        return await w.refuse(request, 403)
    w.sessions.close(request.cookies.get(w.cookie))  # a fresh id: no session fixation
    cookie, _ = w.sessions.open(user_id, None, verified=True)
    log.info("web.signed_in user=%s via=oidc", user_id)
    response = web.HTTPSeeOther(p.target)
    w.set_cookie(response, w.cookie, cookie)
    response.del_cookie(COOKIE, path="/")
    raise response


def _required_middleware(o: Oidc):  # type: ignore[no-untyped-def]
    """Mode required: the desk opens only for a session from the provider's sign-in."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if o.required and (request.path == DESK or request.path.startswith(DESK + "/")):
            session = request.app[WEB].session(request)
            if session is None or not session.verified:
                log.info("web.desk_refused reason=not_verified")
                if request.method in ("GET", "HEAD"):
                    raise web.HTTPSeeOther("/oidc/start?" + urlencode({"next": request.path_qs}))
                raise web.HTTPForbidden()
        return await handler(request)

    return middleware


def install(app: web.Application, settings: Settings) -> None:
    """Routes and the desk's guard, when the deployment turns the sign-in on."""
    if settings.oidc_mode == "off":
        return
    o = Oidc(settings, Provider(settings.oidc_issuer))
    app[OIDC] = o
    app.middlewares.append(_required_middleware(o))
    app.router.add_get("/oidc/start", start)
    app.router.add_get("/oidc/callback", callback)
