"""The role × route access matrix: who may call each route of the API, and which scope a
machine token needs for it. One table, enforced by one request dependency
(`accord.api.deps.current_principal`), published in docs/security.md.

Keys are `"METHOD /path"`, the path being the route's template as the app registers it
(`/api/v1/records/{record_id}`). A HEAD request is checked as the GET of the same path. A
route without an entry is closed to everyone, and the matrix test names it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from accord.auth.roles import Role
from accord.model import Principal, PrincipalKind

__all__ = [
    "ACCESS",
    "ENROLMENT_SCOPE",
    "EVERY_ROLE",
    "PUBLIC",
    "SCOPES",
    "Access",
    "AccessDecision",
    "access_for",
    "allow",
    "decide",
    "permitted",
    "route_key",
    "scopes_for",
]

#: The only scope of a human user's session that has checked the password but not yet a TOTP
#: code: it opens the MFA enrolment routes and nothing else.
ENROLMENT_SCOPE = "mfa:enrol"


@dataclass(frozen=True, slots=True)
class Access:
    """Who may call one route.

    `roles`: a caller needs at least one of them. `scope`: the scope a machine token must also
    carry; `None` means machine tokens may not call the route at all. `public`: no identity
    needed. `enrolment`: also open to a user who has not finished MFA enrolment. `partners`:
    open to partner nodes (mutual TLS), whose roles are not ours to check. `loopback`: also
    open without identity to callers on the loopback interface (a local metrics scraper), when
    `ACCORD_METRICS_LOOPBACK` is on; checked by the API, which knows the caller's address."""

    roles: frozenset[Role] = frozenset()
    scope: str | None = None
    public: bool = False
    enrolment: bool = False
    partners: bool = False
    loopback: bool = False


@dataclass(frozen=True, slots=True)
class AccessDecision:
    """Whether a principal may call a route; `reason` says why not, for the 403 message."""

    allowed: bool
    reason: str = ""


PUBLIC = Access(public=True)
EVERY_ROLE = frozenset(Role)


def allow(
    *roles: Role,
    scope: str | None = None,
    enrolment: bool = False,
    partners: bool = False,
    loopback: bool = False,
) -> Access:
    """`allow(Role.ANALYST, Role.INVESTIGATOR, scope="search")`."""
    return Access(
        frozenset(roles), scope=scope, enrolment=enrolment, partners=partners, loopback=loopback
    )


_A, _I, _L, _S = Role.ANALYST, Role.INVESTIGATOR, Role.LIAISON_OFFICER, Role.SUPERVISOR
_DPO, _AUD = Role.DATA_PROTECTION_OFFICER, Role.AUDITOR
_CASEWORK = (_A, _I, _L, _S)
_TAXII = Role.TAXII_CLIENT

#: The matrix. Add one line per new route (and method); docs/security.md is generated from it.
ACCESS: Mapping[str, Access] = {
    # Open to anyone: liveness, the API description (and the files its pages load from this
    # node), and the login itself.
    "GET /": PUBLIC,
    # The workbench's page and its built files (scripts, styles): the API behind them decides.
    "GET /assets/{file_name}": PUBLIC,
    "GET /api/v1/health": PUBLIC,
    "GET /openapi.json": PUBLIC,
    "GET /docs": PUBLIC,
    "GET /docs/oauth2-redirect": PUBLIC,
    "GET /docs/static/{file_name}": PUBLIC,
    "GET /redoc": PUBLIC,
    # Prometheus metrics: a node administrator's token with the `metrics` scope, or a scraper
    # on the loopback interface.
    "GET /metrics": allow(Role.NODE_ADMIN, scope="metrics", loopback=True),
    "POST /api/v1/auth/login": PUBLIC,
    # A human user's own session (machine tokens have none).
    "GET /api/v1/auth/me": allow(*EVERY_ROLE, enrolment=True),
    # The code lists (purposes, crime areas) a client offers in its forms.
    "GET /api/v1/codes": allow(*EVERY_ROLE, scope="codes"),
    "POST /api/v1/auth/mfa/enrol": allow(*EVERY_ROLE, enrolment=True),
    "POST /api/v1/auth/mfa/verify": allow(*EVERY_ROLE, enrolment=True),
    "POST /api/v1/auth/refresh": allow(*EVERY_ROLE),
    "POST /api/v1/auth/logout": allow(*EVERY_ROLE, enrolment=True),
    # Records: casework roles write; data-protection officers and auditors read, not list.
    "POST /api/v1/records": allow(*_CASEWORK, scope="records:write"),
    "GET /api/v1/records": allow(*_CASEWORK, scope="records:read"),
    "GET /api/v1/records/{record_id}": allow(*_CASEWORK, _DPO, _AUD, scope="records:read"),
    "PATCH /api/v1/records/{record_id}": allow(*_CASEWORK, scope="records:write"),
    "DELETE /api/v1/records/{record_id}": allow(_I, _S, scope="records:write"),
    "GET /api/v1/records/{record_id}/history": allow(*_CASEWORK, _DPO, _AUD, scope="records:read"),
    "GET /api/v1/records/{record_id}/disclosures": allow(
        *_CASEWORK, _DPO, _AUD, scope="records:read"
    ),
    "POST /api/v1/search": allow(*_CASEWORK, scope="search"),
    "POST /api/v1/match": allow(*_CASEWORK, scope="search"),
    # Cross-referencing: casework runs it, reads the links and judges them; auditors and node
    # administrators do neither (the ledger shows auditors every run and judgement).
    "POST /api/v1/xref/runs": allow(*_CASEWORK, scope="xref:run"),
    "GET /api/v1/xref": allow(*_CASEWORK, scope="xref:read"),
    "GET /api/v1/xref/{link_id}": allow(*_CASEWORK, scope="xref:read"),
    "POST /api/v1/xref/{link_id}/judgements": allow(*_CASEWORK, scope="xref:judge"),
    # Travel documents: an agency's casework reports its own country's documents and changes
    # or withdraws its reports; checks are open to document checkers (border posts, airlines),
    # who may do nothing else, and to casework.
    "POST /api/v1/documents": allow(*_CASEWORK, scope="documents:report"),
    "GET /api/v1/documents/{country}/{doc_type}/{number}": allow(
        *_CASEWORK, scope="documents:read"
    ),
    "POST /api/v1/documents/{country}/{doc_type}/{number}/status": allow(
        *_CASEWORK, scope="documents:report"
    ),
    "POST /api/v1/documents/check": allow(
        Role.DOCUMENT_CHECKER, *_CASEWORK, scope="documents:check"
    ),
    "POST /api/v1/documents/check-batch": allow(
        Role.DOCUMENT_CHECKER, *_CASEWORK, scope="documents:check"
    ),
    # The audit ledger: signed heads and proofs reveal only hashes, so every role may check
    # them; the entries say who did what, so only those who answer for the log read them.
    "GET /api/v1/audit/tree-head": allow(*EVERY_ROLE, scope="audit:verify"),
    "GET /api/v1/audit/proof/inclusion": allow(*EVERY_ROLE, scope="audit:verify"),
    "GET /api/v1/audit/proof/consistency": allow(*EVERY_ROLE, scope="audit:verify"),
    "GET /api/v1/audit/entries": allow(_DPO, _AUD, scope="audit:read"),
    # Verifying the whole ledger reads every entry: for those who answer for the log.
    "GET /api/v1/audit/verify": allow(_DPO, _AUD, Role.NODE_ADMIN, scope="audit:verify"),
    # Partners' ledgers as witnessed: names partners and alarms, for those who answer for
    # the log and the node.
    "GET /api/v1/audit/witness": allow(_DPO, _AUD, Role.NODE_ADMIN, scope="audit:verify"),
    # Agreements: everyone who works with partners may read them; only the node's
    # administrator changes them. A policy check sends nothing; an export does.
    "GET /api/v1/agreements": allow(
        *_CASEWORK, _DPO, _AUD, Role.NODE_ADMIN, scope="agreements:read"
    ),
    "PUT /api/v1/agreements/{file_name}": allow(Role.NODE_ADMIN, scope="agreements:write"),
    "DELETE /api/v1/agreements/{file_name}": allow(Role.NODE_ADMIN, scope="agreements:write"),
    "POST /api/v1/policy/check": allow(*_CASEWORK, _DPO, scope="policy:check"),
    # A draft agreement judged against the node's records: counts only, nothing sent.
    "POST /api/v1/policy/simulate": allow(*_CASEWORK, _DPO, Role.NODE_ADMIN, scope="policy:check"),
    "POST /api/v1/exports": allow(_I, _L, _S, scope="exports"),
    # Federation, the user's side: casework searches partners and asks for follow-ups; only
    # a liaison officer answers a partner's follow-up.
    "POST /api/v1/federated-search": allow(*_CASEWORK, scope="federated-search"),
    "POST /api/v1/federated-match": allow(*_CASEWORK, scope="federated-search"),
    "GET /api/v1/follow-ups": allow(*_CASEWORK, _DPO, scope="follow-ups:read"),
    "POST /api/v1/follow-ups": allow(_A, _I, _L, scope="follow-ups:write"),
    "GET /api/v1/follow-ups/{follow_up_id}": allow(*_CASEWORK, _DPO, scope="follow-ups:read"),
    "POST /api/v1/follow-ups/{follow_up_id}/decision": allow(_L, scope="follow-ups:decide"),
    # Notices: liaison officers, investigators and supervisors issue and change them; every
    # casework role and data-protection officers read them. Alerts and the event stream are
    # for casework (each caller sees its own agency's).
    "POST /api/v1/notices": allow(_I, _L, _S, scope="notices:write"),
    "GET /api/v1/notices": allow(*_CASEWORK, _DPO, scope="notices:read"),
    "GET /api/v1/notices/{notice_id}": allow(*_CASEWORK, _DPO, scope="notices:read"),
    "POST /api/v1/notices/{notice_id}/publish": allow(_I, _L, _S, scope="notices:write"),
    "POST /api/v1/notices/{notice_id}/suspend": allow(_I, _L, _S, scope="notices:write"),
    "POST /api/v1/notices/{notice_id}/cancel": allow(_I, _L, _S, scope="notices:write"),
    "GET /api/v1/alerts": allow(*_CASEWORK, scope="alerts:read"),
    "POST /api/v1/alerts/{alert_id}/ack": allow(*_CASEWORK, scope="alerts:ack"),
    "GET /api/v1/events": allow(*_CASEWORK, scope="events"),
    # Messages: casework sends and reads its agency's messages (each read is ledgered).
    "POST /api/v1/messages": allow(*_CASEWORK, scope="messages:write"),
    "GET /api/v1/messages": allow(*_CASEWORK, scope="messages:read"),
    "GET /api/v1/messages/{message_id}": allow(*_CASEWORK, scope="messages:read"),
    "GET /api/v1/messages/{message_id}/attachments/{sha256}": allow(
        *_CASEWORK, scope="messages:read"
    ),
    # Cases and joint investigation teams: investigators, liaison officers and supervisors
    # open them and change their members; every casework role posts to and reads them.
    "POST /api/v1/cases": allow(_I, _L, _S, scope="cases:write"),
    "GET /api/v1/cases": allow(*_CASEWORK, scope="cases:read"),
    "GET /api/v1/cases/{case_id}": allow(*_CASEWORK, scope="cases:read"),
    "POST /api/v1/cases/{case_id}/members": allow(_I, _L, _S, scope="cases:write"),
    "DELETE /api/v1/cases/{case_id}/members/{agency}": allow(_I, _L, _S, scope="cases:write"),
    "POST /api/v1/cases/{case_id}/posts": allow(*_CASEWORK, scope="messages:write"),
    # MLA requests: liaison officers (the national contact point), investigators and
    # supervisors draft, send and execute them; data-protection officers read them too.
    "POST /api/v1/mla": allow(_I, _L, _S, scope="mla:write"),
    "GET /api/v1/mla": allow(_I, _L, _S, _DPO, scope="mla:read"),
    "GET /api/v1/mla/metrics": allow(_I, _L, _S, _DPO, scope="mla:read"),
    "GET /api/v1/mla/{mla_id}": allow(_I, _L, _S, _DPO, scope="mla:read"),
    "POST /api/v1/mla/{mla_id}/send": allow(_I, _L, _S, scope="mla:write"),
    "POST /api/v1/mla/{mla_id}/advance": allow(_I, _L, _S, scope="mla:write"),
    # The node administrator's views of users, tokens and partners, and users' roles.
    "GET /api/v1/admin/users": allow(Role.NODE_ADMIN, scope="admin"),
    "PUT /api/v1/admin/users/{username}/roles": allow(Role.NODE_ADMIN, scope="admin"),
    "GET /api/v1/admin/tokens": allow(Role.NODE_ADMIN, scope="admin"),
    "GET /api/v1/admin/partners": allow(Role.NODE_ADMIN, scope="admin"),
    # The dashboards: counts and times from the ledger, no record content; for those who
    # answer for the exchange (liaison officers, supervisors), the log and the node.
    "GET /api/v1/dashboard": allow(_L, _S, _DPO, _AUD, Role.NODE_ADMIN, scope="dashboard"),
    # Link analysis: casework analyses what the node holds; an export may go to a partner.
    "POST /api/v1/graph/neighbourhood": allow(*_CASEWORK, scope="graph"),
    "POST /api/v1/graph/paths": allow(*_CASEWORK, scope="graph"),
    "POST /api/v1/graph/communities": allow(*_CASEWORK, scope="graph"),
    "POST /api/v1/graph/centrality": allow(*_CASEWORK, scope="graph"),
    "POST /api/v1/graph/money-flow": allow(*_CASEWORK, scope="graph"),
    "POST /api/v1/graph/rings": allow(*_CASEWORK, scope="graph"),
    "POST /api/v1/graph/export": allow(*_CASEWORK, scope="graph:export"),
    # STIX 2.1 objects (docs/stix.md): casework imports, reads, exports and correlates.
    "POST /api/v1/stix/bundles": allow(*_CASEWORK, scope="stix:write"),
    "POST /api/v1/stix/exports": allow(*_CASEWORK, scope="stix:read"),
    "GET /api/v1/stix/objects/{stix_id}": allow(*_CASEWORK, _DPO, _AUD, scope="stix:read"),
    "GET /api/v1/stix/objects/{stix_id}/correlations": allow(*_CASEWORK, scope="stix:read"),
    # TAXII 2.1 (docs/stix.md): casework and partners' TAXII clients; each collection says
    # which roles read and write it, and a partner's client sees what its agreements allow.
    **{
        f"{method} /taxii2{path}": allow(*_CASEWORK, _TAXII, scope="taxii")
        for method, path in (
            ("GET", "/"),
            ("GET", "/{api_root}/"),
            ("GET", "/{api_root}/status/{status_id}/"),
            ("GET", "/{api_root}/collections/"),
            ("GET", "/{api_root}/collections/{collection_id}/"),
            ("GET", "/{api_root}/collections/{collection_id}/manifest/"),
            ("GET", "/{api_root}/collections/{collection_id}/objects/"),
            ("POST", "/{api_root}/collections/{collection_id}/objects/"),
            ("GET", "/{api_root}/collections/{collection_id}/objects/{object_id}/"),
            ("GET", "/{api_root}/collections/{collection_id}/objects/{object_id}/versions/"),
            ("DELETE", "/{api_root}/collections/{collection_id}/objects/{object_id}/"),
        )
    },
    # Federation, the partners' side: mutual TLS and a signed request, no user or token.
    "GET /federation/v1/node": Access(partners=True),
    "POST /federation/v1/search": Access(partners=True),
    "POST /federation/v1/match": Access(partners=True),
    "POST /federation/v1/follow-ups": Access(partners=True),
    "POST /federation/v1/follow-ups/{follow_up_id}/outcome": Access(partners=True),
    "GET /federation/v1/audit/consistency": Access(partners=True),
    "POST /federation/v1/notices": Access(partners=True),
    "POST /federation/v1/notices/{notice_id}/status": Access(partners=True),
    "POST /federation/v1/alerts": Access(partners=True),
    "POST /federation/v1/stix/correlations": Access(partners=True),
    "POST /federation/v1/documents/check": Access(partners=True),
    "POST /federation/v1/messages": Access(partners=True),
    "POST /federation/v1/messages/batch": Access(partners=True),
    "POST /federation/v1/messages/relayed": Access(partners=True),
    "POST /federation/v1/relay": Access(partners=True),
    "POST /federation/v1/relay/receipts": Access(partners=True),
    "POST /federation/v1/messages/{message_id}/receipts": Access(partners=True),
}

#: Every scope a machine token can be given.
SCOPES: frozenset[str] = frozenset(a.scope for a in ACCESS.values() if a.scope is not None)


def route_key(method: str, path: str) -> str:
    """The matrix key of a request: HEAD is checked as GET."""
    method = method.upper()
    return f"{'GET' if method == 'HEAD' else method} {path}"


def access_for(method: str, path: str) -> Access | None:
    """The matrix entry of a route, or None when it has none (closed)."""
    return ACCESS.get(route_key(method, path))


def scopes_for(roles: Iterable[Role | str]) -> frozenset[str]:
    """The scopes of every route open to at least one of `roles`: a token's default scopes."""
    held = {Role(r) for r in roles}
    return frozenset(a.scope for a in ACCESS.values() if a.scope is not None and held & a.roles)


def decide(access: Access, principal: Principal | None) -> AccessDecision:
    """Whether `principal` (None: no identity) may call a route with `access`."""
    if access.public:
        return AccessDecision(True)
    if principal is None:
        return AccessDecision(False, "authentication required")
    if principal.kind is PrincipalKind.NODE:
        if access.partners:
            return AccessDecision(True)
        return AccessDecision(False, "not open to partner nodes")
    if (
        principal.kind is PrincipalKind.USER
        and ENROLMENT_SCOPE in principal.scopes
        and not access.enrolment
    ):
        return AccessDecision(
            False, "finish MFA enrolment first (POST /api/v1/auth/mfa/enrol, then /verify)"
        )
    if not access.roles & principal.roles:
        wanted = ", ".join(sorted(access.roles)) or "none"
        return AccessDecision(False, f"this needs one of the roles: {wanted}")
    if principal.kind is PrincipalKind.TOKEN:
        if access.scope is None:
            return AccessDecision(False, "not open to API tokens; log in as a user")
        if access.scope not in principal.scopes:
            return AccessDecision(False, f"this token lacks the scope {access.scope!r}")
    return AccessDecision(True)


def permitted(principal: Principal) -> list[str]:
    """Every route (`METHOD /path`) `principal` may call, public ones aside: what a client
    such as the workbench shows this caller, from the same table the API enforces."""
    return sorted(
        key
        for key, access in ACCESS.items()
        if not access.public and not access.partners and decide(access, principal).allowed
    )
