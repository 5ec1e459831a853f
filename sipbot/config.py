"""Settings from the environment (and an optional .env), validated once at start."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line meant for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SIPBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    telegram_token: str = Field(default="", description="Bot token from BotFather")
    telegram_api_url: str = "https://api.telegram.org"
    data_dir: Path = Path("data")
    database_url: str = ""
    deployment: Path = ROOT / "examples" / "jamtland-harjedalen.yaml"
    secret_key: str = ""
    timezone: str = "Europe/Stockholm"
    conversations_dir: Path = ROOT / "conversations"
    locales_dir: Path = ROOT / "locales"
    log_level: str = "INFO"
    # Messages per second overall. Telegram allows about 30; raise it only against a local
    # Bot API server or the emulator.
    send_rate: int = Field(default=30, ge=1, le=10_000)
    # The web pages (sipbot.web): off unless a port is set. PUBLIC_URL is the address people
    # reach them at, behind the region's HTTPS reverse proxy.
    web_port: int | None = Field(default=None, ge=1, le=65_535)
    web_host: str = "127.0.0.1"
    public_url: str = ""
    # How old Telegram's signed initData may be when a page session opens from it.
    web_initdata_max_age: int = Field(default=3600, ge=30, le=86_400)
    # A page session ends this long after its last use.
    web_session_idle: int = Field(default=1800, ge=60, le=86_400)

    # Staff sign-in outside Telegram through the region's OpenID Connect provider (SITHS).
    # off: Telegram only; optional: either; required: the desk shows nothing without it.
    oidc_mode: Literal["off", "optional", "required"] = "off"
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""  # from the environment only, never a file in the repo
    # The ID token claim that names a staff member (an HSA-id claim, or "sub").
    oidc_staff_claim: str = "sub"
    # Verified claims kept (encrypted) and shown to colleagues as verified.
    oidc_identity_claims: str = "name,personal_identity_number"

    @field_validator("telegram_api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("public_url")
    @classmethod
    def _public(cls, value: str) -> str:
        return check_public_url(value) if value else value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("secret_key")
    @classmethod
    def _key(cls, value: str) -> str:
        if value:
            decode_key(value)
        return value

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'sipbot.db'}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def key_bytes(self) -> bytes:
        return decode_key(self.secret_key)


LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")


def check_public_url(value: str) -> str:
    """An absolute http(s) address without query or fragment; https unless on this machine
    (cookies are sent Secure, and health data never crosses a network unencrypted)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute address such as https://sip.example.se")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("must have no query, fragment or user name")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise ValueError("must start with https:// (http:// only for localhost)")
    return value.rstrip("/")


def decode_key(value: str) -> bytes:
    """A 32-byte AES key, given as urlsafe base64 (what `sipbot key` prints)."""
    try:
        raw = base64.urlsafe_b64decode(value.encode() + b"=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("must be urlsafe base64 (make one with `sipbot key`)") from None
    if len(raw) != 32:
        raise ValueError(f"must decode to 32 bytes, got {len(raw)} (make one with `sipbot key`)")
    return raw


def load_settings(*, require_token: bool = True, **overrides: object) -> Settings:
    """Read and check the settings; raise ConfigError with one line naming the variable."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = "SIPBOT_" + str(err["loc"][0]).upper() if err["loc"] else "SIPBOT_*"
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {msg}") from None
    if require_token and not settings.telegram_token:
        raise ConfigError("SIPBOT_TELEGRAM_TOKEN: missing; get a token from @BotFather")
    if require_token and ":" not in settings.telegram_token:
        raise ConfigError("SIPBOT_TELEGRAM_TOKEN: malformed; expected <digits>:<secret>")
    if not settings.secret_key:
        raise ConfigError(
            "SIPBOT_SECRET_KEY: missing; it encrypts personal data (make one with `sipbot key`)"
        )
    if settings.web_port is not None and not settings.public_url:
        raise ConfigError(
            "SIPBOT_PUBLIC_URL: missing; SIPBOT_WEB_PORT is set, so the pages need the address"
            " people reach them at"
        )
    if settings.oidc_mode != "off":
        for name in ("oidc_issuer", "oidc_client_id", "oidc_client_secret"):
            if not getattr(settings, name):
                raise ConfigError(
                    f"SIPBOT_{name.upper()}: missing; SIPBOT_OIDC_MODE is {settings.oidc_mode}"
                )
    if not settings.deployment.is_file():
        raise ConfigError(f"SIPBOT_DEPLOYMENT: no such file {settings.deployment}")
    return settings
