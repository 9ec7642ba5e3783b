"""/api/v1/auth — a human user's login (password + TOTP), MFA enrolment, access-token refresh
and logout. Machine clients use API tokens issued with `accord tokens issue` instead."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from accord.api.cookies import clear_session, set_session, via_cookie
from accord.api.deps import BearerSecret, CurrentNode, CurrentPrincipal
from accord.auth import MAX_PASSWORD_LENGTH, permitted
from accord.errors import TooManyAttempts
from accord.services import sessions

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginIn(BaseModel):
    """Password and, once MFA is enrolled, a TOTP `code` or one `recovery_code`."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)
    code: str | None = Field(default=None, max_length=16, description="6-digit TOTP code.")
    recovery_code: str | None = Field(default=None, max_length=64)
    cookie: bool = Field(
        default=False,
        description="Hold the session in an HttpOnly cookie (the workbench) instead of handing "
        "the token out: `access_token` is then empty and `token_type` is `cookie`; a change "
        "sent with the cookie needs the `accord_csrf` cookie's value in `X-CSRF-Token`.",
    )


class SessionOut(BaseModel):
    """`stage` is `full`, or `enrolment` when the token opens only MFA enrolment."""

    access_token: str
    token_type: str
    username: str
    stage: str
    expires_at: str
    expires_in: int


class EnrolmentOut(BaseModel):
    username: str
    secret: str
    otpauth_uri: str


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=16, description="Code shown by the authenticator.")


class EnrolledOut(BaseModel):
    """Recovery codes are shown this once; each opens one login without the authenticator."""

    recovery_codes: list[str]
    session: SessionOut


class MeOut(BaseModel):
    subject: str
    agency: str
    kind: str
    roles: list[str]
    scopes: list[str]
    routes: list[str] = Field(
        description="Every route this caller may call (`METHOD /path`), from the access matrix."
    )


def _session(request: Request, response: Response, session: dict[str, Any]) -> dict[str, Any]:
    """A session for a cookie-holding client goes into the cookie, not the body."""
    return set_session(request, response, session) if via_cookie(request) else session


@router.post("/login", response_model=SessionOut)
def login(body: LoginIn, request: Request, response: Response, node: CurrentNode) -> Any:
    """Log in. 401 for a wrong password or code (every failure is in the ledger); after
    repeated failures 429 with Retry-After, without checking the password."""
    client = request.client.host if request.client else None
    try:
        session = sessions.login(
            node,
            body.username,
            body.password,
            code=body.code,
            recovery_code=body.recovery_code,
            client=client,
        )
    except TooManyAttempts as exc:
        return JSONResponse(
            exc.to_dict(), status_code=exc.status, headers={"Retry-After": str(exc.retry_after)}
        )
    if body.cookie:
        return set_session(request, response, session.to_dict())
    return session.to_dict()


@router.get("/me", response_model=MeOut)
def me(principal: CurrentPrincipal) -> Any:
    """Who the token belongs to, with its roles and scopes."""
    return {
        "subject": principal.subject,
        "agency": principal.agency,
        "kind": principal.kind.value,
        "roles": sorted(principal.roles),
        "scopes": sorted(principal.scopes),
        "routes": permitted(principal),
    }


@router.post("/mfa/enrol", response_model=EnrolmentOut)
def enrol(node: CurrentNode, principal: CurrentPrincipal, secret: BearerSecret) -> Any:
    """Start TOTP enrolment (RFC 6238): a new secret as an `otpauth://` URI for the
    authenticator app. It replaces the current one only once confirmed at /mfa/verify."""
    return sessions.start_enrolment(node, secret).to_dict()


@router.post("/mfa/verify", response_model=EnrolledOut)
def verify(
    body: VerifyIn,
    request: Request,
    response: Response,
    node: CurrentNode,
    principal: CurrentPrincipal,
    secret: BearerSecret,
) -> Any:
    """Confirm the pending enrolment with a code; returns 10 single-use recovery codes and a
    full access token in place of the current one (in the cookie, for a cookie session)."""
    codes, session = sessions.complete_enrolment(node, secret, body.code)
    return {"recovery_codes": codes, "session": _session(request, response, session.to_dict())}


@router.post("/refresh", response_model=SessionOut)
def refresh(
    request: Request,
    response: Response,
    node: CurrentNode,
    principal: CurrentPrincipal,
    secret: BearerSecret,
) -> Any:
    """A fresh access token; the current one is revoked. A session ends 12 hours after login."""
    return _session(request, response, sessions.refresh(node, secret).to_dict())


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(node: CurrentNode, principal: CurrentPrincipal, secret: BearerSecret) -> Response:
    """Revoke the access token at once (and clear the session cookie)."""
    sessions.logout(node, secret)
    answer = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session(answer)
    return answer
