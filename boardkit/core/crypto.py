"""Small secrets at rest (bank account numbers): Fernet with a key derived from the secret key.

The key is derived with HKDF per purpose, so one leaked derived key opens nothing else; a
changed secret key makes old values unreadable, which :func:`decrypt` reports as ``None``.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _fernet(secret_key: str, purpose: str) -> Fernet:
    if not secret_key:
        raise ValueError("a secret key is needed to encrypt")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret_key: str, plain: str, *, purpose: str) -> str:
    return _fernet(secret_key, purpose).encrypt(plain.encode()).decode("ascii")


def decrypt(secret_key: str, token: str, *, purpose: str) -> str | None:
    """The plain text, or None when the value is empty or was made with another key."""
    if not token:
        return None
    try:
        return _fernet(secret_key, purpose).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None
