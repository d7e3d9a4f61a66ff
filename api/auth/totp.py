"""Time-based one-time passwords (RFC 6238, through pyotp) and recovery codes.

A code is accepted for the current 30-second step and one step either side (clock drift), and
only for a step later than the last one accepted: a code seen over someone's shoulder, or
replayed from a log, does not work twice. Recovery codes are ten single-use random codes,
stored as SHA-256 hashes (like API keys: 50 random bits each, too many to brute-force behind
the lockout).
"""

import hmac
import secrets
from datetime import datetime

import pyotp

from api.auth.api_keys import hash_secret

ISSUER = "TestForge"
DRIFT_STEPS = 1
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// URI authenticator apps read (as a QR code or typed in)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def accepted_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step `code` belongs to, if it is valid now and newer than `last_step`."""
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step if last_step is None or step > last_step else None
    return None


def new_recovery_codes() -> list[str]:
    def one() -> str:
        chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        return f"{chars[:5]}-{chars[5:]}"

    return [one() for _ in range(RECOVERY_CODES)]


def recovery_hash(code: str) -> str:
    return hash_secret(code.strip().lower())
