"""witnessing: partners' signed tree heads, and heads awaiting a consistency proof

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 21:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "witness_partners",
        sa.Column("partner", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=True),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=True),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.Column("witnessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_witnessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("alarm_kind", sa.String(length=16), nullable=True),
        sa.Column("alarm_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("alarm_reason", sa.Text(), nullable=True),
        sa.Column("alarm_evidence", sa.JSON(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("partner", name=op.f("pk_witness_partners")),
    )
    op.create_table(
        "witness_pending",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("partner", sa.String(length=64), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("via", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_witness_pending")),
        sa.UniqueConstraint(
            "partner",
            "tree_size",
            "root_hash",
            name=op.f("uq_witness_pending_partner_tree_size_root_hash"),
        ),
    )
    with op.batch_alter_table("witness_pending", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_witness_pending_next_attempt_at"), ["next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("witness_pending", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_witness_pending_next_attempt_at"))

    op.drop_table("witness_pending")
    op.drop_table("witness_partners")
