"""notices, their transitions, recipients and watchlist keys; alerts and the event stream

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("pk", _BIG, autoincrement=True, nullable=False),
        sa.Column("notice_id", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=64), nullable=True),
        sa.Column("issuing_agency", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("subject_schema", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.JSON(), nullable=False),
        sa.Column("caption", sa.String(length=500), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("requested_action", sa.Text(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("crime_area", sa.String(length=40), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column("distribution", sa.JSON(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=True),
        sa.Column("valid_until", _AT, nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_notices")),
        sa.UniqueConstraint("notice_id", name=op.f("uq_notices_notice_id")),
    )
    op.create_index(op.f("ix_notices_issuing_agency"), "notices", ["issuing_agency"])
    op.create_table(
        "notice_transitions",
        sa.Column("pk", _BIG, autoincrement=True, nullable=False),
        sa.Column("notice_pk", _BIG, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_pk"], ["notices.pk"], name=op.f("fk_notice_transitions_notice_pk_notices")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_notice_transitions")),
    )
    op.create_index(op.f("ix_notice_transitions_notice_pk"), "notice_transitions", ["notice_pk"])
    op.create_table(
        "notice_keys",
        sa.Column("notice_pk", _BIG, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_pk"],
            ["notices.pk"],
            name=op.f("fk_notice_keys_notice_pk_notices"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(op.f("ix_notice_keys_kind_value"), "notice_keys", ["kind", "value"])
    op.create_index(op.f("ix_notice_keys_notice_pk"), "notice_keys", ["notice_pk"])
    op.create_table(
        "notice_recipients",
        sa.Column("pk", _BIG, autoincrement=True, nullable=False),
        sa.Column("notice_pk", _BIG, nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("sent_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_pk"], ["notices.pk"], name=op.f("fk_notice_recipients_notice_pk_notices")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_notice_recipients")),
        sa.UniqueConstraint(
            "notice_pk", "node_id", name=op.f("uq_notice_recipients_notice_pk_node_id")
        ),
    )
    op.create_table(
        "alerts",
        sa.Column("id", _BIG, autoincrement=True, nullable=False),
        sa.Column("notice_pk", _BIG, nullable=False),
        sa.Column("notice_id", sa.String(length=64), nullable=False),
        sa.Column("for_agency", sa.String(length=40), nullable=False),
        sa.Column("notice_agency", sa.String(length=40), nullable=False),
        sa.Column("holder_agency", sa.String(length=40), nullable=False),
        sa.Column("hit_key", sa.String(length=300), nullable=False),
        sa.Column("record_owner", sa.String(length=40), nullable=True),
        sa.Column("record_id", sa.String(length=200), nullable=True),
        sa.Column("record_version", sa.Integer(), nullable=True),
        sa.Column("record_schema", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("match", sa.JSON(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_pk"], ["notices.pk"], name=op.f("fk_alerts_notice_pk_notices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint(
            "notice_pk",
            "hit_key",
            "for_agency",
            name=op.f("uq_alerts_notice_pk_hit_key_for_agency"),
        ),
    )
    op.create_index(op.f("ix_alerts_for_agency_id"), "alerts", ["for_agency", "id"])
    op.create_table(
        "alert_acks",
        sa.Column("pk", _BIG, autoincrement=True, nullable=False),
        sa.Column("alert_id", _BIG, nullable=False),
        sa.Column("acked_by", sa.String(length=200), nullable=False),
        sa.Column("acked_at", _AT, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_acks_alert_id_alerts")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_alert_acks")),
        sa.UniqueConstraint("alert_id", name=op.f("uq_alert_acks_alert_id")),
    )
    op.create_table(
        "events",
        sa.Column("id", _BIG, autoincrement=True, nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index(op.f("ix_events_agency_id"), "events", ["agency", "id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_events_agency_id"), table_name="events")
    op.drop_table("events")
    op.drop_table("alert_acks")
    op.drop_index(op.f("ix_alerts_for_agency_id"), table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("notice_recipients")
    op.drop_index(op.f("ix_notice_keys_notice_pk"), table_name="notice_keys")
    op.drop_index(op.f("ix_notice_keys_kind_value"), table_name="notice_keys")
    op.drop_table("notice_keys")
    op.drop_index(op.f("ix_notice_transitions_notice_pk"), table_name="notice_transitions")
    op.drop_table("notice_transitions")
    op.drop_index(op.f("ix_notices_issuing_agency"), table_name="notices")
    op.drop_table("notices")
