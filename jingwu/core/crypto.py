"""Field-level encryption (SM4-GCM) and blind indexes (HMAC-SM3) for sensitive values.

ID numbers, phones and discipline records are stored encrypted; an exact-match search uses a blind
index (a keyed hash of the normalised value) so the plaintext never reaches the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_PREFIX = "sm4g1:"
HASH_ALGORITHM = "sm3" if "sm3" in hashlib.algorithms_available else "sha256"


def _derive(label: str) -> bytes:
    return hashlib.sha256(f"{label}:{settings.SECRET_KEY}".encode()).digest()[:16]


@lru_cache(maxsize=4)
def _key(setting: str, label: str) -> bytes:
    value = getattr(settings, setting, "")
    if value:
        try:
            raw = bytes.fromhex(value)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{setting} must be 32 hexadecimal characters") from exc
        if len(raw) != 16:
            raise ImproperlyConfigured(f"{setting} must be 32 hexadecimal characters (128 bits)")
        return raw
    if settings.DEBUG or getattr(settings, "DEV", False):
        return _derive(label)
    raise ImproperlyConfigured(f"{setting} (environment JINGWU_{label.upper()}_KEY) is not set")


def field_key() -> bytes:
    return _key("FIELD_ENCRYPTION_KEY", "field")


def index_key() -> bytes:
    return _key("BLIND_INDEX_KEY", "index")


def encrypt(plaintext: str) -> str:
    """Encrypt text with SM4-GCM; the result is ASCII and self-describing."""
    nonce = os.urandom(12)
    encryptor = Cipher(algorithms.SM4(field_key()), modes.GCM(nonce)).encryptor()
    body = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
    return _PREFIX + base64.b64encode(nonce + encryptor.tag + body).decode("ascii")


def decrypt(token: str) -> str:
    if not token.startswith(_PREFIX):
        raise ValueError("not an encrypted value")
    raw = base64.b64decode(token[len(_PREFIX) :])
    nonce, tag, body = raw[:12], raw[12:28], raw[28:]
    decryptor = Cipher(algorithms.SM4(field_key()), modes.GCM(nonce, tag)).decryptor()
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")
    except InvalidTag as exc:
        raise ValueError("encrypted value was altered or the key is wrong") from exc


def blind_index(value: str) -> str:
    """Keyed hash of the normalised value, for exact-match search on encrypted columns."""
    normalised = "".join(value.split()).upper()
    return hmac.new(index_key(), normalised.encode("utf-8"), HASH_ALGORITHM).hexdigest()


def mask(value: str, keep_start: int = 6, keep_end: int = 4) -> str:
    """150621199001011234 -> 150621********1234; short values keep less."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        keep_start, keep_end = min(keep_start, len(value) // 3), min(keep_end, len(value) // 3)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + (value[-keep_end:] if keep_end else "")


def mask_phone(value: str) -> str:
    return mask(value, 3, 4)
