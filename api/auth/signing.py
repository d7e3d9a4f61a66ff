"""The RSA keys that sign access tokens (RS256): made, rotated and published by the API itself.

The newest key signs; a key older than the rotation period is replaced by a fresh one the
next time a token is signed, and stays published at /.well-known/jwks.json for a day more, so
tokens it signed (15 minutes at most) verify until they expire. Keys live in the database,
so every replica signs with the same key and verifies every other's; the private half is
sealed (api.auth.sealing) under a key derived from TESTFORGE_API_SECRET_KEY, so a database
dump alone cannot mint tokens. Two replicas rotating at once make two keys: both are published,
the newer signs, nothing breaks.
"""

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.auth.sealing import InvalidToken, Sealer
from api.db.models import SigningKey

log = structlog.get_logger(__name__)

KEY_BITS = 2048
# Past its rotation a key still verifies for this long: more than any access token lives.
PUBLISHED_AFTER_ROTATION = timedelta(days=1)
# How often an unknown `kid` may send us back to the database (another replica rotated).
RELOAD_AT_MOST_EVERY = timedelta(seconds=10)


@dataclass(frozen=True)
class ActiveKey:
    kid: str
    private: rsa.RSAPrivateKey


class SigningKeys:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        secret_key: str,
        clock: Callable[[], datetime],
        rotation: timedelta,
    ) -> None:
        self._sessions = sessions
        self._sealer = Sealer(secret_key, "signing keys")
        self._clock = clock
        self._rotation = rotation
        self._lock = threading.Lock()
        self._active: tuple[ActiveKey, datetime] | None = None  # the key and when it was made
        self._public: dict[str, Any] = {}  # kid -> public key
        self._loaded_at: datetime | None = None

    def active(self) -> ActiveKey:
        """The key to sign with now, made or rotated when due."""
        now = self._clock()
        with self._lock:
            if self._active is None or now - self._active[1] >= self._rotation:
                self._reload(now)
            if self._active is None or now - self._active[1] >= self._rotation:
                self._active = self._create(now)
                self._reload(now)
            assert self._active is not None
            return self._active[0]

    def public_key(self, kid: str) -> Any | None:
        """The public key of `kid` while it is published, else None."""
        now = self._clock()
        with self._lock:
            if kid not in self._public and (
                self._loaded_at is None or now - self._loaded_at >= RELOAD_AT_MOST_EVERY
            ):
                self._reload(now)
            return self._public.get(kid)

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        with self._sessions() as session:
            rows = session.scalars(self._published(self._clock())).all()
            return {"keys": [row.public_jwk for row in rows]}

    def _published(self, now: datetime) -> Any:
        since = now - self._rotation - PUBLISHED_AFTER_ROTATION
        return (
            select(SigningKey)
            .where(SigningKey.created_at > since)
            .order_by(SigningKey.created_at.desc())
        )

    def _reload(self, now: datetime) -> None:
        with self._sessions() as session:
            rows = session.scalars(self._published(now)).all()
            self._public = {
                row.kid: RSAAlgorithm.from_jwk(row.public_jwk) for row in rows
            }
            self._loaded_at = now
            self._active = None
            for row in rows:  # newest first
                try:
                    der = self._sealer.open(row.private_key)
                except InvalidToken:
                    # Made under a previous secret key: it still verifies what it signed,
                    # but it can no longer sign; a fresh key takes over.
                    log.warning("signing_key_unreadable", kid=row.kid)
                    continue
                private = serialization.load_der_private_key(der, password=None)
                assert isinstance(private, rsa.RSAPrivateKey)
                self._active = (ActiveKey(row.kid, private), row.created_at)
                break

    def _create(self, now: datetime) -> tuple[ActiveKey, datetime]:
        private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        kid = uuid.uuid4().hex
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
        jwk.update({"kid": kid, "use": "sig", "alg": "RS256"})
        der = private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        with self._sessions() as session:
            session.add(
                SigningKey(
                    kid=kid, created_at=now, private_key=self._sealer.seal(der), public_jwk=jwk
                )
            )
            session.commit()
        return ActiveKey(kid, private), now
