"""Identity and access rules (pure): roles, the role × route access matrix, user-name and
password policy, argon2id password hashing, TOTP (RFC 6238) with replay protection, recovery
codes, login lockout, sealing of TOTP secrets, and bearer-secret digests. No I/O: the services
apply these rules to stored state."""

from accord.auth.accounts import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    normalise_username,
    password_problems,
    username_problems,
)
from accord.auth.bearer import API_TOKEN_PREFIX, SESSION_PREFIX, new_bearer_secret, secret_digest
from accord.auth.lockout import DEFAULT_LOCKOUT, LockoutPolicy, Throttle, after_failure, retry_after
from accord.auth.matrix import (
    ACCESS,
    ENROLMENT_SCOPE,
    EVERY_ROLE,
    PUBLIC,
    SCOPES,
    Access,
    AccessDecision,
    access_for,
    allow,
    decide,
    permitted,
    route_key,
    scopes_for,
)
from accord.auth.passwords import (
    HASHER,
    PasswordCheck,
    dummy_verify,
    hash_password,
    verify_password,
)
from accord.auth.recovery import (
    RECOVERY_CODES,
    new_recovery_codes,
    normalise_recovery_code,
    recovery_digest,
)
from accord.auth.roles import ROLE_DESCRIPTIONS, Role, parse_roles
from accord.auth.sealing import SealedSecretError, derive_sealing_key, open_secret, seal_secret
from accord.auth.table import access_table
from accord.auth.totp import (
    DIGITS,
    STEP_SECONDS,
    WINDOW,
    CodeCheck,
    CodeResult,
    check_code,
    code_at,
    new_secret,
    provisioning_uri,
    time_step,
)

__all__ = [
    "ACCESS",
    "API_TOKEN_PREFIX",
    "DEFAULT_LOCKOUT",
    "DIGITS",
    "ENROLMENT_SCOPE",
    "EVERY_ROLE",
    "HASHER",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "PUBLIC",
    "RECOVERY_CODES",
    "ROLE_DESCRIPTIONS",
    "SCOPES",
    "SESSION_PREFIX",
    "STEP_SECONDS",
    "WINDOW",
    "Access",
    "AccessDecision",
    "CodeCheck",
    "CodeResult",
    "LockoutPolicy",
    "PasswordCheck",
    "Role",
    "SealedSecretError",
    "Throttle",
    "access_for",
    "access_table",
    "after_failure",
    "allow",
    "check_code",
    "code_at",
    "decide",
    "derive_sealing_key",
    "dummy_verify",
    "hash_password",
    "new_bearer_secret",
    "new_recovery_codes",
    "new_secret",
    "normalise_recovery_code",
    "normalise_username",
    "open_secret",
    "parse_roles",
    "password_problems",
    "permitted",
    "provisioning_uri",
    "recovery_digest",
    "retry_after",
    "route_key",
    "scopes_for",
    "seal_secret",
    "secret_digest",
    "time_step",
    "username_problems",
    "verify_password",
]
