"""Messages between agencies: their kinds, priorities and deadlines, and what a message must
carry before it may be sent (pure; docs/messaging.md).

A message is a request for information (`rfi`), a `reply`, `spontaneous` information, an MLA
request (`mla_request`) or an update on one (`mla_update`, sent by the requested authority).
Its priority sets the deadline of a request: routine 5 days (Europol's SIENA target), urgent
24 hours, immediate 12 hours (the SIRENE Manual's reply time). A request unanswered at its
deadline is overdue."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from hashlib import sha256
from typing import Any

from accord.errors import FieldError, ValidationError
from accord.model.codes import TLP, Handling

__all__ = [
    "DEADLINES",
    "MAX_ATTACHMENTS",
    "MAX_BODY",
    "MAX_RECORDS",
    "MAX_SUBJECT",
    "REQUEST_KINDS",
    "Attachment",
    "Draft",
    "MessageKind",
    "Priority",
    "check_draft",
    "content_address",
    "deadline_for",
    "is_overdue",
]

MAX_SUBJECT = 300
MAX_BODY = 20_000
MAX_RECORDS = 50
MAX_ATTACHMENTS = 20
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_NAME = re.compile(r"^[^/\\\x00-\x1f]{1,200}$")
_MEDIA = re.compile(r"^[a-z]+/[A-Za-z0-9.+-]{1,100}$")


class MessageKind(StrEnum):
    RFI = "rfi"
    REPLY = "reply"
    SPONTANEOUS = "spontaneous"
    MLA_REQUEST = "mla_request"
    MLA_UPDATE = "mla_update"


class Priority(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"
    IMMEDIATE = "immediate"


#: How long the recipient has to answer a request of each priority.
DEADLINES: Mapping[Priority, timedelta] = {
    Priority.ROUTINE: timedelta(days=5),
    Priority.URGENT: timedelta(hours=24),
    Priority.IMMEDIATE: timedelta(hours=12),
}

#: Kinds that expect an answer, and so have a deadline.
REQUEST_KINDS = frozenset({MessageKind.RFI, MessageKind.MLA_REQUEST})


def content_address(content: bytes) -> str:
    """An attachment's address: the SHA-256 of its content, in hex."""
    return sha256(content).hexdigest()


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message, addressed by the SHA-256 of its content."""

    name: str
    media_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return content_address(self.content)

    def describe(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "name": self.name,
            "media_type": self.media_type,
            "size": len(self.content),
        }


@dataclass(frozen=True, slots=True)
class Draft:
    """A message as checked, ready to send."""

    kind: MessageKind
    recipient: str
    subject: str
    body: str
    language: str
    priority: Priority
    handling: Handling
    tlp: TLP
    case_reference: str | None
    in_reply_to: str | None
    records: tuple[str, ...]
    attachments: tuple[Attachment, ...]


def _enum(errors: list[FieldError], name: str, cls: Any, value: Any, default: Any) -> Any:
    if value is None:
        return default
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        errors.append(FieldError(name, f"{value!r} is not one of {allowed}"))
        return default


def _text(errors: list[FieldError], name: str, value: Any, limit: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        errors.append(FieldError(name, "is required"))
    elif len(text) > limit:
        errors.append(FieldError(name, f"at most {limit} characters"))
    return text


def _attachments(
    errors: list[FieldError], raw: Sequence[Attachment], max_bytes: int
) -> tuple[Attachment, ...]:
    if len(raw) > MAX_ATTACHMENTS:
        errors.append(FieldError("attachments", f"at most {MAX_ATTACHMENTS} files"))
    total = 0
    for i, item in enumerate(raw):
        total += len(item.content)
        if not _NAME.match(item.name):
            errors.append(FieldError(f"attachments.{i}.name", "a file name without a path"))
        if not _MEDIA.match(item.media_type):
            errors.append(FieldError(f"attachments.{i}.media_type", "not a media type"))
        if not item.content:
            errors.append(FieldError(f"attachments.{i}.content", "is empty"))
    if total > max_bytes:
        errors.append(
            FieldError("attachments", f"{total} bytes exceed the limit of {max_bytes} bytes")
        )
    return tuple(raw)


def check_draft(
    data: Mapping[str, Any], attachments: Sequence[Attachment], *, max_attachment_bytes: int
) -> Draft:
    """A message to send from its fields; raises ValidationError naming every bad field."""
    errors: list[FieldError] = []
    kind = _enum(errors, "kind", MessageKind, data.get("kind"), MessageKind.RFI)
    recipient = data.get("recipient")
    if not isinstance(recipient, str) or not recipient.strip():
        errors.append(FieldError("recipient", "is required (an agency code, e.g. NL-POLITIE)"))
        recipient = ""
    subject = _text(errors, "subject", data.get("subject"), MAX_SUBJECT)
    body = _text(errors, "body", data.get("body"), MAX_BODY)
    language = data.get("language") or "en"
    if not isinstance(language, str) or not _LANGUAGE.match(language):
        errors.append(FieldError("language", "a BCP 47 language tag, e.g. en, de, uk"))
    priority = _enum(errors, "priority", Priority, data.get("priority"), Priority.ROUTINE)
    handling = _enum(errors, "handling", Handling, data.get("handling"), Handling.H0)
    tlp = _enum(errors, "tlp", TLP, data.get("tlp"), TLP.AMBER)
    if tlp is TLP.RED:
        errors.append(FieldError("tlp", "TLP:RED is for the named recipients in person only"))
    case = data.get("case_reference") or None
    if case is not None and (not isinstance(case, str) or len(case) > 200):
        errors.append(FieldError("case_reference", "at most 200 characters"))
    in_reply_to = data.get("in_reply_to") or None
    if kind is MessageKind.REPLY and in_reply_to is None:
        errors.append(FieldError("in_reply_to", "a reply names the message it answers"))
    records = data.get("records") or []
    if not isinstance(records, list) or not all(isinstance(r, str) and r for r in records):
        errors.append(FieldError("records", "a list of record ids"))
        records = []
    elif len(records) > MAX_RECORDS:
        errors.append(FieldError("records", f"at most {MAX_RECORDS} records"))
    files = _attachments(errors, attachments, max_attachment_bytes)
    if errors:
        raise ValidationError(errors)
    return Draft(
        kind=kind,
        recipient=recipient.strip().upper(),
        subject=subject,
        body=body,
        language=language,
        priority=priority,
        handling=handling,
        tlp=tlp,
        case_reference=case,
        in_reply_to=in_reply_to,
        records=tuple(dict.fromkeys(records)),
        attachments=files,
    )


def deadline_for(kind: MessageKind, priority: Priority, sent_at: datetime) -> datetime | None:
    """When a request must be answered; None for a message that expects no answer."""
    if kind not in REQUEST_KINDS:
        return None
    return sent_at + DEADLINES[priority]


def is_overdue(deadline: datetime | None, answered: bool, now: datetime) -> bool:
    return deadline is not None and not answered and now > deadline
