"""Rules for user names and passwords (OWASP ASVS 2.1: length over composition rules)."""

from __future__ import annotations

import re

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "normalise_username",
    "password_problems",
    "username_problems",
]

MIN_PASSWORD_LENGTH = 12
#: Long enough for any passphrase, short enough that hashing cannot be used to exhaust the node.
MAX_PASSWORD_LENGTH = 1024

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")


def normalise_username(name: str) -> str:
    """User names compare without case and surrounding space: `Anna.Schmidt ` is `anna.schmidt`."""
    return name.strip().lower()


def username_problems(name: str) -> list[str]:
    """Why `name` (already normalised) cannot be a user name; empty when it can."""
    if not _USERNAME.match(name):
        return ["2 to 64 characters: letters, digits and . _ @ -, starting with a letter or digit"]
    return []


def password_problems(password: str, username: str) -> list[str]:
    """Why `password` is not acceptable for `username`; empty when it is."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"must be at most {MAX_PASSWORD_LENGTH} characters")
    if password.strip().lower() == normalise_username(username):
        problems.append("must not be the user name")
    return problems
