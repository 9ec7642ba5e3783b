"""Domain errors. Each carries an HTTP status and a stable code; the API maps them in one place."""

from __future__ import annotations

__all__ = [
    "AccordError",
    "Conflict",
    "FieldError",
    "Forbidden",
    "NotFound",
    "PreconditionFailed",
    "TooManyAttempts",
    "Unauthorized",
    "ValidationError",
]


class AccordError(Exception):
    """Base of every error Accord raises on purpose."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message}


class FieldError:
    """One invalid field: where it is and why it is wrong."""

    __slots__ = ("field", "reason")

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason

    def __repr__(self) -> str:
        return f"FieldError({self.field!r}, {self.reason!r})"

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "reason": self.reason}


class ValidationError(AccordError):
    """Input that breaks a rule; names every offending field."""

    status = 422
    code = "invalid"

    def __init__(self, errors: list[FieldError] | FieldError) -> None:
        self.errors = errors if isinstance(errors, list) else [errors]
        super().__init__("; ".join(str(e) for e in self.errors))

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "errors": [e.to_dict() for e in self.errors],
        }


class NotFound(AccordError):
    status = 404
    code = "not_found"


class Unauthorized(AccordError):
    status = 401
    code = "unauthorized"


class Forbidden(AccordError):
    status = 403
    code = "forbidden"


class Conflict(AccordError):
    status = 409
    code = "conflict"


class PreconditionFailed(AccordError):
    """A conditional request (`If-Match`) whose condition no longer holds (RFC 9110 §13.1.1)."""

    status = 412
    code = "precondition_failed"


class TooManyAttempts(AccordError):
    """Refused without being checked: too many failures; try again after `retry_after` s."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "retry_after": self.retry_after}
