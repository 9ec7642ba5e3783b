"""The `/federation/v1` wire format: paths and the JSON bodies nodes exchange (docs/federation.md).

Bodies are UTF-8 JSON objects. Unknown members are refused (a typo must not silently drop a
restriction); every member listed is required unless it has a default here."""

from __future__ import annotations

import json
import secrets
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "ALERTS_PATH",
    "API_VERSION",
    "CONSISTENCY_PATH",
    "DOCUMENT_CHECKS_PATH",
    "FOLLOW_UPS_PATH",
    "MATCH_PATH",
    "MAX_BATCH",
    "MESSAGES_PATH",
    "MESSAGE_BATCH_PATH",
    "NODE_PATH",
    "NOTICES_PATH",
    "PREFIX",
    "RELAYED_PATH",
    "RELAY_PATH",
    "RELAY_RECEIPTS_PATH",
    "SEARCH_PATH",
    "STIX_CORRELATIONS_PATH",
    "AlertAck",
    "AnswerItem",
    "BatchAnswer",
    "BatchResult",
    "BatchedMessage",
    "BatchedReceipt",
    "DocumentCheckAnswer",
    "DocumentCheckRequest",
    "FollowUpAck",
    "FollowUpOutcome",
    "FollowUpRequest",
    "ItemReference",
    "MatchAnswer",
    "MatchScore",
    "MessageAck",
    "MessageBatch",
    "MessageReceipt",
    "NodeInfo",
    "NoticeAck",
    "NoticeAlert",
    "NoticeMessage",
    "NoticeStatusMessage",
    "OutcomeAck",
    "RelayAck",
    "RelayReceipt",
    "RelayRequest",
    "RelayedMessage",
    "ScoredItem",
    "SealedMessage",
    "SearchAnswer",
    "SearchRequest",
    "StixCorrelationAlert",
    "consistency_target",
    "encode",
    "message_receipt_path",
    "new_id",
    "notice_status_path",
    "outcome_path",
]

API_VERSION = "v1"
PREFIX = f"/federation/{API_VERSION}"
NODE_PATH = f"{PREFIX}/node"
SEARCH_PATH = f"{PREFIX}/search"
#: A search whose answer items carry their match scores (decision 0017); same request body.
MATCH_PATH = f"{PREFIX}/match"
FOLLOW_UPS_PATH = f"{PREFIX}/follow-ups"
CONSISTENCY_PATH = f"{PREFIX}/audit/consistency"
#: Notices and watchlist alerts (message kinds added to v1, each body with its own `version`).
NOTICES_PATH = f"{PREFIX}/notices"
ALERTS_PATH = f"{PREFIX}/alerts"
#: Document checks against the issuing state's registry: hit or no hit, and the action.
DOCUMENT_CHECKS_PATH = f"{PREFIX}/documents/check"
#: End-to-end messages (docs/messaging.md): the body carries a JWE only the recipient opens.
MESSAGES_PATH = f"{PREFIX}/messages"
#: Several sealed messages and read receipts for one partner in one signed request
#: (decision 0033): each item keeps its own request id, receipt and answer.
MESSAGE_BATCH_PATH = f"{PREFIX}/messages/batch"
#: Items per batch at most (messages and receipts together).
MAX_BATCH = 200
#: Relaying through a hub (decision 0034): a sealed message handed to a hub for another node,
#: the hub's forward of it, and what became of it, reported back to the sender by the hub.
RELAY_PATH = f"{PREFIX}/relay"
RELAYED_PATH = f"{PREFIX}/messages/relayed"
RELAY_RECEIPTS_PATH = f"{PREFIX}/relay/receipts"
#: A STIX object held by the sender holds a value of a record the receiver owns (docs/stix.md).
STIX_CORRELATIONS_PATH = f"{PREFIX}/stix/correlations"

_ID = r"^[A-Za-z0-9._:-]{1,64}$"


def outcome_path(follow_up_id: str) -> str:
    return f"{FOLLOW_UPS_PATH}/{follow_up_id}/outcome"


def notice_status_path(notice_id: str) -> str:
    return f"{NOTICES_PATH}/{notice_id}/status"


def message_receipt_path(message_id: str) -> str:
    return f"{MESSAGES_PATH}/{message_id}/receipts"


def consistency_target(first: int, second: int) -> str:
    """`GET /federation/v1/audit/consistency?first=…&second=…`: the request target as signed."""
    return f"{CONSISTENCY_PATH}?first={first}&second={second}"


def new_id(prefix: str) -> str:
    """A fresh identifier: `prefix_` and 128 random bits in hex (request ids, follow-up ids)."""
    return f"{prefix}_{secrets.token_hex(16)}"


def encode(payload: BaseModel | dict[str, Any]) -> bytes:
    """The exact bytes that are signed and sent: compact JSON, UTF-8."""
    data = (
        payload.model_dump(mode="json", by_alias=True)
        if isinstance(payload, BaseModel)
        else payload
    )
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NodeInfo(_Strict):
    """`GET /federation/v1/node`: who answers at this address (for `accord peers add`)."""

    node_id: str = Field(pattern=_ID)
    agency_code: str
    api_version: str = API_VERSION
    signing_key: dict[str, str]
    encryption_key: dict[str, str]


class SearchRequest(_Strict):
    """`POST /federation/v1/search`: free text (a name or an identifier) and/or the
    properties of a person or organisation, with the purpose stated as in a local search."""

    query: str | None = Field(default=None, max_length=500)
    schema_: str | None = Field(default=None, alias="schema", max_length=64)
    properties: dict[str, list[str]] | None = None
    purpose: str | None = None
    reference: str | None = None
    crime_area: str | None = None
    limit: int = Field(default=20, ge=1, le=500)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("properties")
    @classmethod
    def _small(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        if value is not None and (
            len(value) > 50
            or any(len(v) > 20 or any(len(x) > 500 for x in v) for v in value.values())
        ):
            raise ValueError("at most 50 properties of 20 values of 500 characters")
        return value


class ItemReference(_Strict):
    """A hit: the record's FtM schema, its owner agency and an opaque reference id, which only
    the answering node can map back to the record (for a follow-up)."""

    schema_: str = Field(alias="schema", max_length=64)
    owner: str = Field(max_length=40)
    reference: str = Field(min_length=1, max_length=500)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class AnswerItem(_Strict):
    """One disclosed record, in the shape of `accord.policy.disclose`: `mode` is `full`,
    `redacted` (full minus some properties) or `reference` (no content: `record` is null);
    `terms` are the clauses, onward-transfer rule, retention and conditions that travel with it."""

    mode: Literal["full", "redacted", "reference"]
    reference: ItemReference
    record: dict[str, Any] | None = None
    terms: dict[str, Any] = Field(default_factory=dict)


class SearchAnswer(_Strict):
    """The answer: one item per record this node may disclose to the requester. Records it may
    not disclose are absent, so an answer of only such records is `{"items": []}`, exactly the
    answer when nothing matched."""

    items: list[AnswerItem]


class MatchScore(_Strict):
    """Why a record matched: `match` is `identifier` (an exact document, account or contact
    number: score 1) or `name` (the matcher's score for a person, `algorithm` naming its
    version; for another entity the share of the query's name tokens it holds). `features`,
    each feature's contribution, come only with a record disclosed in full."""

    score: float = Field(ge=0.0, le=1.0)
    match: Literal["identifier", "name"]
    algorithm: str | None = Field(default=None, max_length=64)
    features: dict[str, float] | None = None


class ScoredItem(AnswerItem):
    """An answer item of `/match`: a disclosed record and its match score."""

    match: MatchScore


class MatchAnswer(_Strict):
    """`POST /federation/v1/match`: the answer to a `SearchRequest`, each item with its score.
    As for `SearchAnswer`, records this node may not disclose are absent, so an answer of only
    such records is `{"items": []}`, exactly the answer when nothing matched."""

    items: list[ScoredItem]


class FollowUpRequest(_Strict):
    """`POST /federation/v1/follow-ups`: ask the node that gave a reference for the content."""

    follow_up_id: str = Field(pattern=_ID)
    reference: str = Field(min_length=1, max_length=500)
    purpose: str
    case_reference: str = Field(min_length=1, max_length=500)
    crime_area: str
    legal_basis: str = Field(min_length=1, max_length=2000)
    justification: str = Field(min_length=1, max_length=4000)
    deadline: AwareDatetime


class FollowUpAck(_Strict):
    """The owner's receipt of a follow-up request."""

    follow_up_id: str
    state: str
    deadline: AwareDatetime


class FollowUpOutcome(_Strict):
    """`POST /federation/v1/follow-ups/{id}/outcome`: the owner's decision, sent back. On
    approval `items` hold the disclosed records and `conditions` the owner's terms (e.g. the
    H3 restrictions); on decline both are empty and `reason` may say why."""

    follow_up_id: str = Field(pattern=_ID)
    decision: Literal["approved", "declined"]
    items: list[AnswerItem] = Field(default_factory=list)
    conditions: str | None = Field(default=None, max_length=4000)
    reason: str | None = Field(default=None, max_length=2000)
    decided_at: AwareDatetime


class OutcomeAck(_Strict):
    """The requester's receipt of an outcome."""

    follow_up_id: str
    state: str


NoticeKind = Literal["red", "yellow", "blue", "black", "green", "orange", "purple", "diffusion"]


class NoticeMessage(_Strict):
    """`POST /federation/v1/notices`: a notice published by the sender's agency. `subject` is
    its subject as the sender's policy engine let it go (`full` or `redacted`), with the terms
    that travel with it. `version` is the message's own version: a receiver refuses one it
    does not know (422), so later versions can be told apart."""

    version: Literal[1] = 1
    notice_id: str = Field(pattern=_ID)
    type: NoticeKind
    subject: AnswerItem
    documents: list[dict[str, Any]] = Field(default_factory=list, max_length=20)
    details: dict[str, Any]
    requested_action: str = Field(min_length=1, max_length=2000)
    purpose: str = Field(max_length=40)
    crime_area: str = Field(max_length=40)
    valid_until: AwareDatetime
    distribution: dict[str, Any]
    published_at: AwareDatetime


class NoticeStatusMessage(_Strict):
    """`POST /federation/v1/notices/{notice_id}/status`: the issuer suspended, cancelled or
    republished a notice it sent."""

    version: Literal[1] = 1
    notice_id: str = Field(pattern=_ID)
    status: Literal["published", "suspended", "cancelled"]
    reason: str | None = Field(default=None, max_length=2000)
    at: AwareDatetime


class NoticeAck(_Strict):
    """The receiver's receipt of a notice or a status change."""

    notice_id: str
    status: str


class NoticeAlert(_Strict):
    """`POST /federation/v1/alerts`: a record the sender holds matched a notice the receiver
    issued. `item` is the record as the sender's policy engine let it go to the notice's owner
    (`full`, `redacted`, or `reference`: a hit to follow up); `match` says how well it matched
    (features only with a record in full). The sender is the agency holding the record."""

    version: Literal[1] = 1
    alert_id: str = Field(pattern=_ID)
    notice_id: str = Field(pattern=_ID)
    item: AnswerItem
    match: MatchScore
    matched_at: AwareDatetime


class StixCorrelationAlert(_Strict):
    """`POST /federation/v1/stix/correlations`: a STIX object the sender holds (an indicator,
    an observable) holds a value — an e-mail address, a phone number, an IBAN, a wallet — of
    a record the receiver owns and once disclosed to the sender. The sender's policy engine
    decided what goes (`kind` is one of the records' index keys, `accord.matching.keys`):
    `full` names the object (`object_id`, `object_type`, its TLP);
    `reference` is a hit to follow up with the opaque `reference` alone. The value and the
    record are the receiver's own."""

    version: Literal[1] = 1
    alert_id: str = Field(pattern=_ID)
    record_id: str = Field(min_length=1, max_length=200)
    kind: Literal["email", "phone", "id", "ip", "url", "domain", "hash:sha1"]
    value: str = Field(min_length=1, max_length=200)
    mode: Literal["full", "reference"]
    reference: ItemReference
    object_id: str | None = Field(default=None, max_length=200)
    object_type: str | None = Field(default=None, max_length=100)
    object_tlp: str | None = Field(default=None, max_length=16)
    terms: dict[str, Any] = Field(default_factory=dict)
    matched_at: AwareDatetime


class AlertAck(_Strict):
    alert_id: str
    state: str


class DocumentCheckItem(_Strict):
    country: str = Field(min_length=1, max_length=3, pattern=r"^[A-Z<]{1,3}$")
    number: str = Field(min_length=1, max_length=40, pattern=r"^[A-Z0-9]{1,40}$")
    type: str | None = Field(default=None, max_length=32)


class DocumentCheckRequest(_Strict):
    """`POST /federation/v1/documents/check`: documents of the receiver's state a checker at
    the sender asks about, normalised as checks are (ICAO state code, number in A-Z and 0-9).
    `checked_by` and `location` say who checked and where: the issuing agency is told on a
    hit. The answer says hit or no hit and the action, nothing else."""

    version: Literal[1] = 1
    items: list[DocumentCheckItem] = Field(min_length=1, max_length=10_000)
    purpose: str = Field(max_length=40)
    checked_by: str = Field(min_length=1, max_length=200)
    location: str | None = Field(default=None, min_length=1, max_length=200)


class DocumentCheckAction(_Strict):
    code: str = Field(max_length=32)
    instruction: str = Field(max_length=2000)


class DocumentCheckResult(_Strict):
    hit: bool
    action: DocumentCheckAction | None = None


class DocumentCheckAnswer(_Strict):
    """One result per item of the request, in order."""

    version: Literal[1] = 1
    results: list[DocumentCheckResult] = Field(max_length=10_000)


class SealedMessage(_Strict):
    """`POST /federation/v1/messages`: a message sealed end to end. `token` is a JWE compact
    serialisation (ECDH-ES+A256KW over X25519, A256GCM) to the recipient's encryption key,
    holding a JWS by the sender's signing key over the message (`accord.crypto.seal`); only
    the recipient can open it, and it shows nothing before the inner signature verifies."""

    version: Literal[1] = 1
    message_id: str = Field(pattern=_ID)
    token: str = Field(min_length=1)


class MessageAck(_Strict):
    """The recipient's signed receipt of a message: it was opened, verified and kept."""

    message_id: str
    state: Literal["delivered"]


class MessageReceipt(_Strict):
    """`POST /federation/v1/messages/{message_id}/receipts`: the recipient read the message."""

    version: Literal[1] = 1
    message_id: str = Field(pattern=_ID)
    state: Literal["read"]
    at: AwareDatetime


class BatchedMessage(_Strict):
    """A sealed message in a batch, with the request id it has in the sender's outbox (the
    same id whether it travels alone or batched, so that receiving it stays idempotent)."""

    request_id: str = Field(pattern=_ID)
    message: SealedMessage


class BatchedReceipt(_Strict):
    """A read receipt in a batch, with its request id in the sender's outbox."""

    request_id: str = Field(pattern=_ID)
    receipt: MessageReceipt


class MessageBatch(_Strict):
    """`POST /federation/v1/messages/batch`: sealed messages and read receipts for the
    receiving node, each acted on as if it had come alone (`POST /federation/v1/messages`,
    `POST /federation/v1/messages/{message_id}/receipts`); the answer holds one result per
    item. Request ids are unique within a batch."""

    version: Literal[1] = 1
    messages: list[BatchedMessage] = Field(default_factory=list, max_length=MAX_BATCH)
    receipts: list[BatchedReceipt] = Field(default_factory=list, max_length=MAX_BATCH)

    @model_validator(mode="after")
    def _unique(self) -> MessageBatch:
        ids = [m.request_id for m in self.messages] + [r.request_id for r in self.receipts]
        if len(ids) != len(set(ids)):
            raise ValueError("request ids must be unique within a batch")
        if len(ids) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} items per batch")
        return self


class BatchResult(_Strict):
    """What one item of a batch came to: the status and answer it would have had alone
    (`answer` for 2xx, the stable error `code` otherwise)."""

    request_id: str = Field(pattern=_ID)
    status: int = Field(ge=100, le=599)
    answer: dict[str, Any] | None = None
    code: str | None = Field(default=None, max_length=64)


class BatchAnswer(_Strict):
    """The signed answer to a batch: one result per item, messages first, in request order."""

    version: Literal[1] = 1
    results: list[BatchResult] = Field(max_length=2 * MAX_BATCH)


class RelayRequest(_Strict):
    """`POST /federation/v1/relay`: a message sealed to another node (`recipient`, a node id)
    that the receiving node, a hub, is asked to forward. The hub holds only the token: it is
    sealed to the recipient's key and signed by the sender, so the hub can neither read nor
    alter it."""

    version: Literal[1] = 1
    recipient: str = Field(pattern=_ID)
    message: SealedMessage


class RelayAck(_Strict):
    """The hub's signed answer: it holds the message for forwarding."""

    message_id: str
    state: Literal["relayed"]


class RelayedMessage(_Strict):
    """`POST /federation/v1/messages/relayed`: a hub forwards a message that `origin` (a node
    id) sealed to the receiver; its inner signature must be `origin`'s."""

    version: Literal[1] = 1
    origin: str = Field(pattern=_ID)
    message: SealedMessage


class RelayReceipt(_Strict):
    """`POST /federation/v1/relay/receipts`: the hub tells the sender what became of a message
    it relayed: `delivered` (with the digest of the recipient's signed answer) or `failed`
    (with the recipient's stable error code)."""

    version: Literal[1] = 1
    message_id: str = Field(pattern=_ID)
    recipient: str = Field(pattern=_ID)
    state: Literal["delivered", "failed"]
    code: str | None = Field(default=None, max_length=64)
    answer_digest: str | None = Field(default=None, max_length=128)
