"""Table definitions (SQLAlchemy Core). Migrations in `store/migrations` create exactly these."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

__all__ = [
    "UtcDateTime",
    "agreement_files",
    "agreement_state",
    "alert_acks",
    "alerts",
    "api_tokens",
    "case_members",
    "cases",
    "consents",
    "document_hits",
    "events",
    "federation_directories",
    "federation_nonces",
    "federation_outbox",
    "federation_peers",
    "federation_receipts",
    "follow_up_transitions",
    "follow_ups",
    "ledger_entries",
    "ledger_heads",
    "ledger_nodes",
    "ledger_state",
    "login_throttle",
    "match_views",
    "message_attachments",
    "message_files",
    "message_states",
    "messages",
    "metadata",
    "mla_requests",
    "mla_transitions",
    "node",
    "notice_keys",
    "notice_recipients",
    "notice_transitions",
    "notices",
    "record_history",
    "record_keys",
    "records",
    "stix_collections",
    "stix_feeds",
    "stix_keys",
    "stix_objects",
    "stix_statuses",
    "travel_document_history",
    "travel_documents",
    "user_recovery_codes",
    "user_sessions",
    "users",
    "witness_partners",
    "witness_pending",
    "xref_judgements",
    "xref_links",
    "xref_runs",
]


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC on the way out and on the way in.

    PostgreSQL keeps the zone; SQLite hands back naive values. Normalising here, in the column
    type, spares every reader its own conversion."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: every stored time must carry its zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: One row: this node's identity.
node = Table(
    "node",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("agency", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

#: Current version of every record. Superseded versions move to `record_history`.
records = Table(
    "records",
    metadata,
    Column(
        "pk", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("entity_id", String(200), nullable=False),
    Column("owner", String(40), nullable=False),
    Column("schema", String(64), nullable=False),
    Column("caption", String(500), nullable=False),
    Column("properties", JSON, nullable=False),
    Column("handling", String(2), nullable=False),
    Column("handling_conditions", Text),
    Column("tlp", String(16), nullable=False),
    Column("reliability", String(1), nullable=False),
    Column("assessment", String(1), nullable=False),
    Column("subject_category", String(32)),
    Column("crime_areas", JSON, nullable=False),
    Column("legal_basis", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("review_by", Date, nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    UniqueConstraint("owner", "entity_id"),
    Index(None, "entity_id"),
)

#: Every superseded or deleted version, append-only: auditors read a record's past here.
record_history = Table(
    "record_history",
    metadata,
    Column(
        "pk", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("record_pk", ForeignKey("records.pk"), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("schema", String(64), nullable=False),
    Column("properties", JSON, nullable=False),
    Column("envelope", JSON, nullable=False),
    Column("superseded_at", UtcDateTime(), nullable=False),
    Column("superseded_by", String(200), nullable=False),
    Column("change", String(16), nullable=False),
    UniqueConstraint("record_pk", "version"),
)

#: Search keys of current records: normalised identifiers and folded name tokens.
#: `kind` lets later matchers add their own keys (phonetic codes, blocking keys).
record_keys = Table(
    "record_keys",
    metadata,
    Column("record_pk", ForeignKey("records.pk", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value", String(200), nullable=False),
    Index(None, "kind", "value", "record_pk"),
    Index(None, "record_pk"),
)

#: A matched record's matching view (`accord.matching.view`): its names analysed and its
#: other features normalised when it was written, read back by a match instead of analysing
#: the candidate again. One row per live record of a matched schema.
match_views = Table(
    "match_views",
    metadata,
    Column(
        "record_pk",
        ForeignKey("records.pk", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("view", Text, nullable=False),
)

#: Machine and user bearer tokens; only a SHA-256 of the secret is kept.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("agency", String(40), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime()),
    Column("revoked_at", UtcDateTime()),
    #: A TAXII client's token acts for a partner agency (or CERT): what it reads is what
    #: the agreements with that agency allow.
    Column("acts_for", String(40)),
)


_BIG = BigInteger().with_variant(Integer, "sqlite")

#: The audit ledger: append-only entries, the leaves of an RFC 9162 Merkle tree.
ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("idx", _BIG, primary_key=True, autoincrement=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("event", String(48), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Index(None, "event", "at"),
)

#: Hash of every perfect subtree (level, index) of the ledger's Merkle tree.
ledger_nodes = Table(
    "ledger_nodes",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", _BIG, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

#: Signed tree heads, one per signing; each commits to the first `size` entries.
ledger_heads = Table(
    "ledger_heads",
    metadata,
    Column("size", _BIG, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("timestamp_ms", BigInteger, nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("key_id", String(100), nullable=False),
)

#: One row holding the ledger's size; appends update it first, which serialises writers.
ledger_state = Table(
    "ledger_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", _BIG, nullable=False),
)

#: Human users of this node's agency. `totp_secret` is sealed (AES-GCM under a key derived from
#: the node's key), `totp_pending` holds an enrolment not yet confirmed with a code, and
#: `totp_last_step` the time step of the last accepted code (no code is accepted twice).
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("agency", String(40), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("totp_secret", LargeBinary),
    Column("totp_pending", LargeBinary),
    Column("totp_last_step", BigInteger),
    Column("mfa_enrolled_at", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("disabled_at", UtcDateTime()),
    Column("last_login_at", UtcDateTime()),
)

#: Single-use MFA recovery codes; only a SHA-256 of each is kept.
user_recovery_codes = Table(
    "user_recovery_codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("code_hash", LargeBinary(32), nullable=False),
    Column("used_at", UtcDateTime()),
    UniqueConstraint("user_id", "code_hash"),
)

#: Users' short-lived access tokens (opaque; only a SHA-256 of the secret is kept).
#: `stage` is `full` (password and TOTP checked) or `enrolment` (password only, MFA pending).
user_sessions = Table(
    "user_sessions",
    metadata,
    Column("id", _BIG, primary_key=True, autoincrement=True),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("stage", String(16), nullable=False),
    Column("authenticated_at", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False, index=True),
    Column("revoked_at", UtcDateTime()),
)

#: Consecutive failed logins per user name (known or not), and the lock they earned.
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("username", String(200), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UtcDateTime()),
    Column("locked_until", UtcDateTime()),
)

#: Agreement files as loaded (YAML text). A change adds a row and withdraws the one it
#: replaces; nothing is deleted, so what was in force when is always known.
agreement_files = Table(
    "agreement_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_name", String(200), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("loaded_at", UtcDateTime(), nullable=False),
    Column("loaded_by", String(200), nullable=False),
    Column("withdrawn_at", UtcDateTime()),
)

#: One row; its revision grows with every agreement change so workers know to reload.
agreement_state = Table(
    "agreement_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("revision", Integer, nullable=False),
)

#: An originator's consent for a recipient to pass a received record on (H2, onward transfer).
consents = Table(
    "consents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_owner", String(40), nullable=False),
    Column("record_id", String(200), nullable=False),
    Column("recipient", String(40), nullable=False),
    Column("granted_at", UtcDateTime(), nullable=False),
    Column("reference", Text),
    UniqueConstraint("record_owner", "record_id", "recipient"),
)

# Federation (docs/federation.md): partners, the signed directory, replay and receipt
# bookkeeping, the outbox, and follow-up requests.

#: Partner nodes: from the signed partner directory, or added by hand after checking their
#: TLS fingerprint. Keys are raw 32-byte public keys as unpadded base64url.
federation_peers = Table(
    "federation_peers",
    metadata,
    Column("node_id", String(64), primary_key=True),
    Column("agency_code", String(40), nullable=False),
    Column("url", String(500), nullable=False),
    Column("signing_key", String(64), nullable=False),
    Column("encryption_key", String(64), nullable=False),
    Column("tls_fingerprint", String(95), nullable=False),
    Column("valid_until", UtcDateTime()),
    Column("source", String(16), nullable=False),
    Column("added_at", UtcDateTime(), nullable=False),
)

#: Every edition of the signed partner directory this node accepted (the JWS as received).
federation_directories = Table(
    "federation_directories",
    metadata,
    Column("serial", Integer, primary_key=True, autoincrement=False),
    Column("federation", String(64), nullable=False),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("directory_key", Text, nullable=False),
    Column("token", Text, nullable=False),
    Column("imported_at", UtcDateTime(), nullable=False),
)

#: (sender, nonce) pairs of accepted signed messages, kept until `expires_at` (Unix seconds):
#: the replay guard's seen-set, shared by every worker of the node.
federation_nonces = Table(
    "federation_nonces",
    metadata,
    Column("sender", String(64), primary_key=True),
    Column("nonce", String(64), primary_key=True),
    Column("expires_at", BigInteger, nullable=False, index=True),
)

#: Answers to state-changing partner requests, keyed by (sender, request id): a retried
#: delivery gets the stored answer and changes nothing.
federation_receipts = Table(
    "federation_receipts",
    metadata,
    Column("sender", String(64), primary_key=True),
    Column("request_id", String(128), primary_key=True),
    Column("status", SmallInteger, nullable=False),
    Column("response", LargeBinary, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
)

#: Messages to partners, written in the same transaction as the change they announce and
#: delivered (at least once) by the outbox worker; `message_id` is the request id of every try.
federation_outbox = Table(
    "federation_outbox",
    metadata,
    Column("id", _BIG, primary_key=True, autoincrement=True),
    Column("message_id", String(128), nullable=False, unique=True),
    Column("recipient", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("subject", String(128), nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", String(500), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("lease_until", UtcDateTime()),
    Column("last_error", String(200)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("delivered_at", UtcDateTime()),
    Index(None, "state", "next_attempt_at"),
)

#: Follow-up requests after a reference hit, sent (`outgoing`) or received (`incoming`).
#: The id is the requester's and is the same on both nodes.
follow_ups = Table(
    "follow_ups",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("follow_up_id", String(64), nullable=False, unique=True),
    Column("direction", String(8), nullable=False),
    Column("partner", String(64), nullable=False),
    Column("partner_agency", String(40), nullable=False),
    Column("reference", String(500), nullable=False),
    Column("purpose", String(40), nullable=False),
    Column("case_reference", Text, nullable=False),
    Column("crime_area", String(40), nullable=False),
    Column("legal_basis", Text, nullable=False),
    Column("justification", Text, nullable=False),
    Column("deadline", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
)

#: Every state a follow-up went through, append-only; its current state is the latest row.
follow_up_transitions = Table(
    "follow_up_transitions",
    metadata,
    Column("pk", _BIG, primary_key=True, autoincrement=True),
    Column("follow_up_pk", ForeignKey("follow_ups.pk"), nullable=False, index=True),
    Column("state", String(16), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("details", JSON, nullable=False),
)


# Witnessing (docs/decisions/0009): the signed tree heads partners send with every exchange.

#: Per partner: the largest head proven consistent with every head witnessed before it (the
#: anchor), when it was witnessed, and the state. An alarm (`forked` or `shrunk`) is written
#: once with its evidence and never overwritten by later heads.
witness_partners = Table(
    "witness_partners",
    metadata,
    Column("partner", String(64), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("tree_size", BigInteger),
    Column("root_hash", LargeBinary(32)),
    Column("timestamp_ms", BigInteger),
    Column("signature", LargeBinary),
    Column("witnessed_at", UtcDateTime()),
    Column("first_witnessed_at", UtcDateTime()),
    Column("last_seen_at", UtcDateTime()),
    Column("alarm_kind", String(16)),
    Column("alarm_at", UtcDateTime()),
    Column("alarm_reason", Text),
    Column("alarm_evidence", JSON),
    Column("last_error", String(200)),
    Column("last_error_at", UtcDateTime()),
)

#: Heads received that need a consistency proof from the partner, until the proof is checked.
witness_pending = Table(
    "witness_pending",
    metadata,
    Column("id", _BIG, primary_key=True, autoincrement=True),
    Column("partner", String(64), nullable=False),
    Column("tree_size", BigInteger, nullable=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("timestamp_ms", BigInteger, nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("via", String(64), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    UniqueConstraint("partner", "tree_size", "root_hash"),
    Index(None, "next_attempt_at"),
)


# Cross-referencing (docs/xref.md): runs, the links they proposed, and analysts' judgements.

#: One row per `accord xref` run: who ran it, with which parameters, and what it found.
xref_runs = Table(
    "xref_runs",
    metadata,
    Column("id", _BIG, primary_key=True, autoincrement=True),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("engine", String(16), nullable=False),
    Column("against", String(40), nullable=False),
    Column("since", UtcDateTime()),
    Column("parameters", JSON, nullable=False),
    Column("counts", JSON, nullable=False),
)

#: A candidate link between two person records, one row per pair: the pair in canonical order
#: ((left_owner, left_id) < (right_owner, right_id)), with the evidence of the latest run that
#: proposed it. A later run refreshes the evidence; the link (and its judgements) stay.
xref_links = Table(
    "xref_links",
    metadata,
    Column("id", _BIG, primary_key=True, autoincrement=True),
    Column("left_owner", String(40), nullable=False),
    Column("left_id", String(200), nullable=False),
    Column("right_owner", String(40), nullable=False),
    Column("right_id", String(200), nullable=False),
    Column("run_id", ForeignKey("xref_runs.id"), nullable=False, index=True),
    Column("engine", String(16), nullable=False),
    Column("score", Float, nullable=False),
    Column("algorithm", String(64), nullable=False),
    Column("features", JSON, nullable=False),
    Column("splink_probability", Float),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("left_owner", "left_id", "right_owner", "right_id"),
    Index(None, "right_owner", "right_id"),
)

#: Analysts' judgements of links, append-only: never updated or deleted. A link's state is
#: its latest judgement (highest id); an undo is a new judgement.
xref_judgements = Table(
    "xref_judgements",
    metadata,
    Column("id", _BIG, primary_key=True, autoincrement=True),
    Column("link_id", ForeignKey("xref_links.id"), nullable=False, index=True),
    Column("judgement", String(16), nullable=False),
    Column("note", Text),
    Column("judged_by", String(200), nullable=False),
    Column("judged_at", UtcDateTime(), nullable=False),
)


# Travel documents (docs/documents.md): the lost-and-stolen registry and the hits of checks.

#: The registry: the current report of every document, keyed by (issuing state's ICAO code,
#: normalised number, type), so that a check is one probe of the primary key. On SQLite the
#: table is the key's B-tree itself (WITHOUT ROWID): no second index to keep at 10 million
#: rows. A status change or withdrawal moves the report it replaces to
#: `travel_document_history`; nothing is deleted.
travel_documents = Table(
    "travel_documents",
    metadata,
    Column("country", String(3), primary_key=True),
    Column("number", String(40), primary_key=True),
    Column("doc_type", String(32), primary_key=True),
    Column("status", String(16), nullable=False),
    #: The action a checker is told, when the agency chose another than the status's.
    Column("action", String(32)),
    Column("reported_on", Date, nullable=False),
    Column("agency", String(40), nullable=False),
    Column("reference", String(200)),
    Column("changed_at", UtcDateTime(), nullable=False),
    Column("changed_by", String(200), nullable=False),
    sqlite_with_rowid=False,
)

#: Every superseded report, append-only: a document's past is here, its present in
#: `travel_documents`.
travel_document_history = Table(
    "travel_document_history",
    metadata,
    Column("id", _BIG, primary_key=True, autoincrement=True),
    Column("country", String(3), nullable=False),
    Column("number", String(40), nullable=False),
    Column("doc_type", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("action", String(32)),
    Column("reported_on", Date, nullable=False),
    Column("agency", String(40), nullable=False),
    Column("reference", String(200)),
    Column("changed_at", UtcDateTime(), nullable=False),
    Column("changed_by", String(200), nullable=False),
    #: When, by whom and why it was superseded.
    Column("superseded_at", UtcDateTime(), nullable=False),
    Column("superseded_by", String(200), nullable=False),
    Column("reason", Text),
    Index(None, "country", "number", "doc_type"),
)

#: Checks that hit a reported document: who checked, where, and what they were told; the
#: ledger entry that records the check. Alerts to the issuing agency start here.
document_hits = Table(
    "document_hits",
    metadata,
    Column("id", _BIG, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("country", String(3), nullable=False),
    Column("number", String(40), nullable=False),
    Column("doc_type", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("action", String(32), nullable=False),
    Column("issuer_agency", String(40), nullable=False),
    Column("checked_by", String(200), nullable=False),
    Column("checker_agency", String(40), nullable=False),
    Column("location", String(200)),
    Column("ledger_index", _BIG, nullable=False),
    Index(None, "country", "number", "doc_type"),
    Index(None, "at"),
)

# Notices and watchlist alerts (docs/notices.md).

#: Notices issued here (`origin` null) or received from a partner (`origin` its node id). The
#: subject is an FtM entity as this node holds it (a received one as the issuer's policy
#: shaped it); its envelope is what the policy engine decides on when the notice leaves.
notices = Table(
    "notices",
    metadata,
    Column("pk", _BIG, primary_key=True, autoincrement=True),
    Column("notice_id", String(64), nullable=False, unique=True),
    Column("origin", String(64)),
    Column("issuing_agency", String(40), nullable=False),
    Column("type", String(16), nullable=False),
    Column("subject_schema", String(64), nullable=False),
    Column("subject", JSON, nullable=False),
    Column("caption", String(500), nullable=False),
    Column("documents", JSON, nullable=False),
    Column("details", JSON, nullable=False),
    Column("requested_action", Text, nullable=False),
    Column("purpose", String(40), nullable=False),
    Column("crime_area", String(40), nullable=False),
    Column("envelope", JSON, nullable=False),
    Column("distribution", JSON, nullable=False),
    Column("terms", JSON),
    Column("valid_until", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Index(None, "issuing_agency"),
)

#: Every status a notice went through, append-only; its status is the latest row.
notice_transitions = Table(
    "notice_transitions",
    metadata,
    Column("pk", _BIG, primary_key=True, autoincrement=True),
    Column("notice_pk", ForeignKey("notices.pk"), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("details", JSON, nullable=False),
)

#: The matching keys of the subjects of active (published) notices only: publishing adds a
#: notice's keys, suspending, cancelling or expiring removes them, so a record is matched
#: against the watchlist by a few indexed look-ups and a notice that stops stops at once.
notice_keys = Table(
    "notice_keys",
    metadata,
    Column("notice_pk", ForeignKey("notices.pk", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value", String(200), nullable=False),
    Index(None, "kind", "value"),
    Index(None, "notice_pk"),
)

#: The watchlist's version: one row, bumped in every transaction that changes `notice_keys`,
#: so a process may keep the postings it read while the version stays the same (an ingest's
#: workers read the same common keys chunk after chunk). An update of one row, unlike a
#: sequence, changes in the order the transactions commit.
watchlist_state = Table(
    "watchlist_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", _BIG, nullable=False),
)

#: The partners a notice issued here was sent to (and in which mode), so that its suspension,
#: cancellation and republication reach exactly them.
notice_recipients = Table(
    "notice_recipients",
    metadata,
    Column("pk", _BIG, primary_key=True, autoincrement=True),
    Column("notice_pk", ForeignKey("notices.pk"), nullable=False),
    Column("node_id", String(64), nullable=False),
    Column("agency", String(40), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=False),
    UniqueConstraint("notice_pk", "node_id"),
)

#: Watchlist alerts: a record that matched an active notice, one row per agency alerted.
#: `hit_key` names the record (owner/id here, the sender's alert id for a partner's alert):
#: the same hit never alerts the same agency twice.
alerts = Table(
    "alerts",
    metadata,
    Column("id", _BIG, primary_key=True, autoincrement=True),
    Column("notice_pk", ForeignKey("notices.pk"), nullable=False),
    Column("notice_id", String(64), nullable=False),
    Column("for_agency", String(40), nullable=False),
    Column("notice_agency", String(40), nullable=False),
    Column("holder_agency", String(40), nullable=False),
    Column("hit_key", String(300), nullable=False),
    Column("record_owner", String(40)),
    Column("record_id", String(200)),
    Column("record_version", Integer),
    Column("record_schema", String(64), nullable=False),
    Column("score", Float, nullable=False),
    Column("match", JSON, nullable=False),
    Column("action", Text, nullable=False),
    Column("source", String(16), nullable=False),
    Column("details", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("notice_pk", "hit_key", "for_agency"),
    Index(None, "for_agency", "id"),
)

#: Acknowledgements of alerts, append-only: one per alert.
alert_acks = Table(
    "alert_acks",
    metadata,
    Column("pk", _BIG, primary_key=True, autoincrement=True),
    Column("alert_id", ForeignKey("alerts.id"), nullable=False, unique=True),
    Column("acked_by", String(200), nullable=False),
    Column("acked_at", UtcDateTime(), nullable=False),
    Column("note", Text),
)

#: The event stream (`GET /api/v1/events`): every event for an agency, in id order, kept so
#: that a client reconnecting with `Last-Event-ID` gets what it missed.
events = Table(
    "events",
    metadata,
    Column("id", _BIG, primary_key=True, autoincrement=True),
    Column("agency", String(40), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index(None, "agency", "id"),
)

# Messages, MLA requests and joint investigation teams (docs/messaging.md).

#: Messages sent and received. `sealed` is the message as a JWE: a received one exactly as it
#: arrived (sealed to this node by the sender, signed inside), a sent one sealed to this node's
#: own key, so nothing of a message's content is kept in clear. `digest` is the SHA-256 of the
#: token that crossed the wire, as both ledgers hold it.
messages = Table(
    "messages",
    metadata,
    Column("pk", _BIG, primary_key=True, autoincrement=True),
    Column("message_id", String(64), nullable=False, unique=True),
    Column("direction", String(8), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("thread_id", String(64), nullable=False),
    Column("in_reply_to", String(64)),
    Column("case_reference", String(200)),
    Column("case_id", String(64)),
    Column("mla_id", String(64)),
    Column("partner_node", String(64), nullable=False),
    Column("partner_agency", String(40), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("deadline", UtcDateTime()),
    Column("sealed", Text, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Index(None, "thread_id"),
    Index(None, "in_reply_to"),
    Index(None, "direction", "pk"),
)

#: What happened to a message, append-only: queued, delivered, failed (sender); received,
#: read (recipient), and the read receipt at the sender. The current state is derived.
message_states = Table(
    "message_states",
    metadata,
    Column("pk", _BIG, primary_key=True, autoincrement=True),
    Column("message_pk", ForeignKey("messages.pk"), nullable=False, index=True),
    Column("state", String(16), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("details", JSON, nullable=False),
)

#: Attachment contents, addressed by their SHA-256 and encrypted at rest (AES-256-GCM under a
#: key derived from the node's key; the address is the associated data). Names and media types
#: stay inside the sealed message.
message_attachments = Table(
    "message_attachments",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", _BIG, nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

#: Which message carries which attachment (the right to read one follows the message).
message_files = Table(
    "message_files",
    metadata,
    Column("message_pk", ForeignKey("messages.pk"), nullable=False),
    Column("sha256", ForeignKey("message_attachments.sha256"), nullable=False),
    UniqueConstraint("message_pk", "sha256"),
    Index(None, "sha256"),
)

#: MLA requests sent (`direction` outgoing) and received; `form` holds the structured request.
mla_requests = Table(
    "mla_requests",
    metadata,
    Column("pk", _BIG, primary_key=True, autoincrement=True),
    Column("mla_id", String(64), nullable=False, unique=True),
    Column("direction", String(8), nullable=False),
    Column("partner_node", String(64)),
    Column("requesting_agency", String(40), nullable=False),
    Column("requested_agency", String(40), nullable=False),
    Column("legal_basis", String(64), nullable=False),
    Column("crime_area", String(40), nullable=False),
    Column("urgency", String(16), nullable=False),
    Column("deadline", UtcDateTime(), nullable=False),
    Column("form", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
)

#: Every state an MLA request went through, append-only, with its grounds, evidence and assets.
mla_transitions = Table(
    "mla_transitions",
    metadata,
    Column("pk", _BIG, primary_key=True, autoincrement=True),
    Column("mla_pk", ForeignKey("mla_requests.pk"), nullable=False, index=True),
    Column("state", String(24), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("details", JSON, nullable=False),
)

#: Cases; one with members from other agencies is a joint investigation team, set up under
#: `legal_basis` (the id of the JIT agreement).
cases = Table(
    "cases",
    metadata,
    Column("pk", _BIG, primary_key=True, autoincrement=True),
    Column("case_id", String(64), nullable=False, unique=True),
    Column("reference", String(200), nullable=False),
    Column("title", String(300), nullable=False),
    Column("lead_agency", String(40), nullable=False),
    Column("legal_basis", String(64)),
    Column("crime_area", String(40), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
)

#: Membership of a case, append-only: an agency joins or leaves; its membership is the latest.
case_members = Table(
    "case_members",
    metadata,
    Column("pk", _BIG, primary_key=True, autoincrement=True),
    Column("case_pk", ForeignKey("cases.pk"), nullable=False, index=True),
    Column("agency", String(40), nullable=False),
    Column("action", String(8), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
)


# STIX 2.1 objects and TAXII 2.1 (docs/stix.md).

#: Every version of every STIX object, append-only: `version` is its `modified` (else
#: `created`, else '' for an object with one version). `pk` orders objects by when this node
#: added them (TAXII's date_added); `body` is the object's canonical JSON, exactly as it came.
stix_objects = Table(
    "stix_objects",
    metadata,
    Column("pk", _BIG, primary_key=True, autoincrement=True),
    Column("owner", String(40), nullable=False),
    Column("stix_id", String(200), nullable=False),
    Column("type", String(100), nullable=False),
    Column("spec_version", String(8), nullable=False),
    Column("version", String(40), nullable=False),
    Column("modified_at", UtcDateTime()),
    Column("date_added", UtcDateTime(), nullable=False),
    Column("body", Text, nullable=False),
    Column("tlp", String(16), nullable=False),
    Column("envelope", JSON, nullable=False),
    Column("policy_schema", String(120), nullable=False),
    Column("ftm_id", String(200)),
    Column("source", String(200), nullable=False),
    UniqueConstraint("owner", "stix_id", "version"),
    Index(None, "stix_id", "version"),
    Index(None, "type", "pk"),
    Index(None, "date_added"),
)

#: The values STIX objects hold that correlate (`accord.interop.stix.observable_keys`).
stix_keys = Table(
    "stix_keys",
    metadata,
    Column("object_pk", ForeignKey("stix_objects.pk", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value", String(200), nullable=False),
    Index(None, "kind", "value", "object_pk"),
    Index(None, "object_pk"),
)

#: Object versions removed by TAXII's "Delete An Object" (§5.7): the row as it was, with who
#: removed it and when, so that auditors still see what the node held (reads no longer do).
stix_deleted = Table(
    "stix_deleted",
    metadata,
    Column("pk", _BIG, primary_key=True),
    Column("owner", String(40), nullable=False),
    Column("stix_id", String(200), nullable=False),
    Column("type", String(100), nullable=False),
    Column("spec_version", String(8), nullable=False),
    Column("version", String(40), nullable=False),
    Column("date_added", UtcDateTime(), nullable=False),
    Column("body", Text, nullable=False),
    Column("tlp", String(16), nullable=False),
    Column("envelope", JSON, nullable=False),
    Column("deleted_at", UtcDateTime(), nullable=False),
    Column("deleted_by", String(200), nullable=False),
    Index(None, "stix_id"),
)

#: The correlating values of records partners disclosed to this node in full (a follow-up's
#: outcome), so that a STIX object holding one alerts the record's owner across the
#: federation: the purpose and crime area it was disclosed for, which the alert is released
#: under, where it came from, and until when its terms let it be kept.
stix_partner_keys = Table(
    "stix_partner_keys",
    metadata,
    Column("pk", _BIG, primary_key=True, autoincrement=True),
    Column("owner", String(40), nullable=False),
    Column("record_id", String(200), nullable=False),
    Column("schema", String(64), nullable=False),
    Column("partner", String(200), nullable=False),
    Column("source", String(200), nullable=False),
    Column("purpose", String(40), nullable=False),
    Column("crime_area", String(40), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value", String(200), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    #: The end of the retention the disclosure's terms set (None: the terms set none).
    Column("keep_until", UtcDateTime()),
    Index(None, "kind", "value"),
    Index(None, "owner", "record_id"),
)

#: TAXII collections: views over the node's STIX objects (optionally of some types), read
#: through the agreements by partners' clients, for the purpose and crime area the collection
#: states; `write_roles` may add objects.
stix_collections = Table(
    "stix_collections",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("description", Text),
    Column("types", JSON),
    Column("purpose", String(40), nullable=False),
    Column("crime_area", String(40), nullable=False),
    Column("read_roles", JSON, nullable=False),
    Column("write_roles", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

#: TAXII status resources (§4.3): the outcome of one POST of objects.
stix_statuses = Table(
    "stix_statuses",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("collection_id", String(64), nullable=False),
    Column("agency", String(40), nullable=False),
    Column("request_timestamp", UtcDateTime(), nullable=False),
    Column("total_count", Integer, nullable=False),
    Column("success_count", Integer, nullable=False),
    Column("failure_count", Integer, nullable=False),
    Column("successes", JSON, nullable=False),
    Column("failures", JSON, nullable=False),
)

#: External TAXII 2.1 feeds this node pulls (`accord taxii add-feed`): where the last
#: complete pull got to (`added_after`: the latest date_added it saw), and within a pull the
#: page it was on (`next_page`) and the latest date_added so far (`seen_until`), so that a
#: failed pull resumes from its last page. The token is read from the environment variable
#: `token_env` names, never stored.
stix_feeds = Table(
    "stix_feeds",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("url", Text, nullable=False),
    Column("collection_id", String(200), nullable=False),
    Column("token_env", String(100)),
    Column("envelope", JSON, nullable=False),
    Column("added_after", String(40)),
    Column("next_page", Text),
    Column("seen_until", String(40)),
    Column("last_pulled_at", UtcDateTime()),
    Column("last_error", Text),
    Column("created_at", UtcDateTime(), nullable=False),
)
