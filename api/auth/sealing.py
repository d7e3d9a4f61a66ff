"""Secrets the API keeps at rest (signing keys, TOTP seeds), encrypted with Fernet under a key
derived from TESTFORGE_API_SECRET_KEY: a database dump alone does not reveal them. Each use
has its own derived key (`purpose`), so one kind of sealed value never opens as another."""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["InvalidToken", "Sealer"]


class Sealer:
    def __init__(self, secret_key: str, purpose: str) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=f"testforge {purpose}".encode()
        ).derive(secret_key.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, plaintext: bytes) -> bytes:
        return self._fernet.encrypt(plaintext)

    def open(self, sealed: bytes) -> bytes:
        """The plaintext; raises InvalidToken if it was sealed under another key or altered."""
        return self._fernet.decrypt(sealed)
