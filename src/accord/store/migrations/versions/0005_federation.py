"""federation: partners, directory editions, nonces, receipts, outbox, follow-ups

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 14:30:25.903106
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "federation_directories",
        sa.Column("serial", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("federation", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("directory_key", sa.Text(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_federation_directories")),
    )
    op.create_table(
        "federation_nonces",
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("sender", "nonce", name=op.f("pk_federation_nonces")),
    )
    with op.batch_alter_table("federation_nonces", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_federation_nonces_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "federation_outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_federation_outbox_message_id")),
    )
    with op.batch_alter_table("federation_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_federation_outbox_state_next_attempt_at"),
            ["state", "next_attempt_at"],
            unique=False,
        )

    op.create_table(
        "federation_peers",
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("agency_code", sa.String(length=40), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("signing_key", sa.String(length=64), nullable=False),
        sa.Column("encryption_key", sa.String(length=64), nullable=False),
        sa.Column("tls_fingerprint", sa.String(length=95), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("node_id", name=op.f("pk_federation_peers")),
    )
    op.create_table(
        "federation_receipts",
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("response", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sender", "request_id", name=op.f("pk_federation_receipts")),
    )
    op.create_table(
        "follow_ups",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("follow_up_id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("partner", sa.String(length=64), nullable=False),
        sa.Column("partner_agency", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=500), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("case_reference", sa.Text(), nullable=False),
        sa.Column("crime_area", sa.String(length=40), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_follow_ups")),
        sa.UniqueConstraint("follow_up_id", name=op.f("uq_follow_ups_follow_up_id")),
    )
    op.create_table(
        "follow_up_transitions",
        sa.Column(
            "pk",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("follow_up_pk", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["follow_up_pk"],
            ["follow_ups.pk"],
            name=op.f("fk_follow_up_transitions_follow_up_pk_follow_ups"),
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_follow_up_transitions")),
    )
    with op.batch_alter_table("follow_up_transitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_follow_up_transitions_follow_up_pk"), ["follow_up_pk"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("follow_up_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_transitions_follow_up_pk"))

    op.drop_table("follow_up_transitions")
    op.drop_table("follow_ups")
    op.drop_table("federation_receipts")
    op.drop_table("federation_peers")
    with op.batch_alter_table("federation_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_federation_outbox_state_next_attempt_at"))

    op.drop_table("federation_outbox")
    with op.batch_alter_table("federation_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_federation_nonces_expires_at"))

    op.drop_table("federation_nonces")
    op.drop_table("federation_directories")
