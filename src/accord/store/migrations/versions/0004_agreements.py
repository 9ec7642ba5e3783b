"""agreements and consents

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 14:24:55.665556
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreement_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(length=200), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_files")),
    )
    with op.batch_alter_table("agreement_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agreement_files_file_name"), ["file_name"], unique=False
        )

    op.create_table(
        "agreement_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_state")),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_owner", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=40), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
        sa.UniqueConstraint(
            "record_owner",
            "record_id",
            "recipient",
            name=op.f("uq_consents_record_owner_record_id_recipient"),
        ),
    )

    op.execute("INSERT INTO agreement_state (id, revision) VALUES (1, 0)")


def downgrade() -> None:
    op.drop_table("consents")
    op.drop_table("agreement_state")
    with op.batch_alter_table("agreement_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreement_files_file_name"))

    op.drop_table("agreement_files")
