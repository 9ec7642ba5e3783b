"""What a message must carry before it may go, its deadline by priority, and overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accord.errors import ValidationError
from accord.model.messages import (
    Attachment,
    MessageKind,
    Priority,
    check_draft,
    deadline_for,
    is_overdue,
)

SENT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def fields(**extra: object) -> dict[str, object]:
    return {"recipient": "nl-politie", "subject": "Keeper of a car", "body": "Who?", **extra}


def refused(data: dict[str, object], files: list[Attachment] | None = None) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        check_draft(data, files or [], max_attachment_bytes=1000)
    return {e.field for e in caught.value.errors}


def test_a_message_without_subject_or_body_names_both() -> None:
    assert refused({"recipient": "NL-POLITIE", "subject": "  "}) == {"subject", "body"}


def test_every_bad_field_is_named_at_once() -> None:
    data = fields(kind="memo", priority="asap", language="English", tlp="RED", records="x")
    assert refused(data) == {"kind", "priority", "language", "tlp", "records"}


def test_a_reply_names_the_message_it_answers() -> None:
    assert refused(fields(kind="reply")) == {"in_reply_to"}


def test_attachments_over_the_limit_or_with_a_path_are_refused() -> None:
    big = Attachment("a.bin", "application/octet-stream", b"x" * 1001)
    assert refused(fields(), [big]) == {"attachments"}
    sneaky = Attachment("../etc/passwd", "text/plain", b"x")
    assert refused(fields(), [sneaky]) == {"attachments.0.name"}


def test_a_good_draft_keeps_its_values() -> None:
    note = Attachment("note.txt", "text/plain", b"hello")
    draft = check_draft(
        fields(records=["r1", "r1", "r2"], priority="immediate"),
        [note],
        max_attachment_bytes=1000,
    )
    assert draft.recipient == "NL-POLITIE" and draft.records == ("r1", "r2")
    assert draft.priority is Priority.IMMEDIATE and draft.kind is MessageKind.RFI
    assert note.sha256 == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"


@pytest.mark.parametrize(
    ("priority", "hours"),
    [(Priority.ROUTINE, 120), (Priority.URGENT, 24), (Priority.IMMEDIATE, 12)],
)
def test_a_request_is_due_by_its_priority(priority: Priority, hours: int) -> None:
    assert deadline_for(MessageKind.RFI, priority, SENT) == SENT + timedelta(hours=hours)
    assert deadline_for(MessageKind.SPONTANEOUS, priority, SENT) is None


def test_a_request_unanswered_past_its_deadline_is_overdue() -> None:
    due = SENT + timedelta(hours=12)
    late = due + timedelta(seconds=1)
    assert is_overdue(due, answered=False, now=late)
    assert not is_overdue(due, answered=True, now=late)
    assert not is_overdue(due, answered=False, now=due)
    assert not is_overdue(None, answered=False, now=late)
