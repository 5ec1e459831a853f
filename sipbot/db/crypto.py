"""Encryption at rest for the person's words and contact details (AES-256-GCM)."""

from __future__ import annotations

import json
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

_VERSION = b"\x01"  # lets a later key rotation tell old ciphertexts apart
_cipher: AESGCM | None = None


def set_key(key: bytes) -> None:
    """Install the process-wide key; called once at start from SIPBOT_SECRET_KEY."""
    global _cipher
    _cipher = AESGCM(key)


def _aead() -> AESGCM:
    if _cipher is None:
        raise RuntimeError("encryption key not set; call sipbot.db.crypto.set_key first")
    return _cipher


def encrypt(plain: bytes) -> bytes:
    nonce = os.urandom(12)
    return _VERSION + nonce + _aead().encrypt(nonce, plain, None)


def decrypt(blob: bytes) -> bytes:
    if blob[:1] != _VERSION:
        raise ValueError("unknown ciphertext version")
    return _aead().decrypt(blob[1:13], blob[13:], None)


class EncryptedText(TypeDecorator[str]):
    """A str column stored as AES-GCM ciphertext."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        return None if value is None else encrypt(value.encode())

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> str | None:
        return None if value is None else decrypt(bytes(value)).decode()


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON column stored as AES-GCM ciphertext; for answers and conversation data."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(decrypt(bytes(value)))
