"""Outbox delivery: backoff that grows, is capped and jittered; a partner that is down keeps the
message for a later try."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from accord.federation.retry import backoff
from accord.services.followup import get_follow_up, request_follow_up
from accord.services.outbox import deliver_due, outbox_messages
from accord.services.purpose import parse_purpose
from tests.federation.cluster import Federation


def test_backoff_doubles_until_the_cap_and_stays_within_its_jitter() -> None:
    rng = random.Random(7)
    for attempts in range(1, 12):
        ceiling = min(60.0, 2.0 * 2 ** (attempts - 1))
        delays = [backoff(attempts, 2.0, 60.0, rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling / 4


def test_a_message_to_a_partner_that_is_down_waits_with_growing_delay(tmp_path: Path) -> None:
    fed = Federation(tmp_path)
    de, ua = fed.add("DE-BKA", "BKA"), fed.add("UA-NPU", "NPU")
    fed.publish_directory()
    ua.stop()
    try:
        purpose = parse_purpose("investigation", "case 3", "thb")
        asked = request_follow_up(
            de.node,
            de.node.operator(),
            partner="ua-npu",
            reference="ref_x",
            purpose=purpose,
            legal_basis="MoU",
            justification="needed",
        )
        now = datetime.now(UTC)
        first = deliver_due(de.node, now=now)
        assert (first.delivered, first.retried, first.failed) == (0, 1, 0)
        assert deliver_due(de.node, now=now).retried == 0  # not due again yet
        gaps = []
        for _ in range(3):
            (message,) = outbox_messages(de.node, "pending")
            gaps.append(message.next_attempt_at - now)
            now = message.next_attempt_at + timedelta(milliseconds=1)
            assert deliver_due(de.node, now=now).retried == 1
        (message,) = outbox_messages(de.node, "pending")
        assert message.attempts == 4 and message.last_error
        assert gaps[0] < gaps[2]
        assert get_follow_up(de.node, asked.row.follow_up_id).state == "queued"
    finally:
        fed.close()
