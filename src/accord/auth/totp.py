"""Time-based one-time passwords (RFC 6238) with pyotp: HMAC-SHA1, 30-second steps, 6 digits,
one step of clock drift accepted either way, and no code accepted twice.

Replay protection (RFC 6238 §5.2: "the verifier MUST NOT accept the second attempt of the
same OTP after the successful validation has been issued"): the caller stores the time step of
the last accepted code, and a code of that step or an earlier one is refused."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import pyotp

__all__ = [
    "DIGITS",
    "STEP_SECONDS",
    "WINDOW",
    "CodeCheck",
    "CodeResult",
    "check_code",
    "code_at",
    "new_secret",
    "provisioning_uri",
    "time_step",
]

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1


class CodeResult(StrEnum):
    OK = "ok"
    BAD = "bad_code"
    REPLAYED = "replayed_code"


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """The verdict on one code; `step` is the time step it matched (to store when OK)."""

    result: CodeResult
    step: int | None = None


def new_secret() -> str:
    """A fresh shared secret: 160 random bits in base32 (RFC 4226 §4 recommends 160)."""
    return pyotp.random_base32(32)


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The `otpauth://totp/...` URI authenticator apps read from a QR code."""
    return str(_totp(secret).provisioning_uri(name=username, issuer_name=issuer))


def time_step(now: datetime) -> int:
    """RFC 6238 §4.2: T = floor((unix time − T0) / X), T0 = 0, X = 30."""
    return int(now.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """The code of time step `step`."""
    return str(_totp(secret).at(step * STEP_SECONDS))


def check_code(secret: str, code: str, now: datetime, last_step: int | None) -> CodeCheck:
    """Check `code` against the steps now−1, now, now+1; a match at or before `last_step`
    (the last accepted step) is a replay."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return CodeCheck(CodeResult.BAD)
    current = time_step(now)
    matched = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(code_at(secret, step), code):
            matched = step
    if matched is None:
        return CodeCheck(CodeResult.BAD)
    if last_step is not None and matched <= last_step:
        return CodeCheck(CodeResult.REPLAYED, matched)
    return CodeCheck(CodeResult.OK, matched)
