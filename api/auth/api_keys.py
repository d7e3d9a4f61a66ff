"""API keys for CI: `tfk_<prefix>_<secret>`, shown once, stored as the SHA-256 of the secret.

The prefix is public and finds the row; only the hash of the secret is stored. A fast hash is
right here (unlike for passwords): the secret is 256 random bits, so a leaked hash cannot be
brute-forced, and a slow hash would only slow down every CI request.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

SCHEME = "tfk"


@dataclass(frozen=True)
class NewKey:
    plaintext: str
    prefix: str
    secret_hash: str


def looks_like_key(credential: str) -> bool:
    return credential.startswith(f"{SCHEME}_")


def generate() -> NewKey:
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return NewKey(f"{SCHEME}_{prefix}_{secret}", prefix, hash_secret(secret))


def split(plaintext: str) -> tuple[str, str] | None:
    """(prefix, secret), or None when the credential is not shaped like a key."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != SCHEME or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), secret_hash)
