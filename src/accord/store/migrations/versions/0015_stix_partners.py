"""STIX objects deleted through TAXII (kept for auditors) and the correlating values of
records partners disclosed to this node

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "stix_deleted",
        sa.Column("pk", _BIG, nullable=False),
        sa.Column("owner", sa.String(length=40), nullable=False),
        sa.Column("stix_id", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("spec_version", sa.String(length=8), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("date_added", _AT, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column("deleted_at", _AT, nullable=False),
        sa.Column("deleted_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_stix_deleted")),
    )
    op.create_index(op.f("ix_stix_deleted_stix_id"), "stix_deleted", ["stix_id"])
    op.create_table(
        "stix_partner_keys",
        sa.Column("pk", _BIG, autoincrement=True, nullable=False),
        sa.Column("owner", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("schema", sa.String(length=64), nullable=False),
        sa.Column("partner", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("crime_area", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("received_at", _AT, nullable=False),
        sa.Column("keep_until", _AT, nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_stix_partner_keys")),
    )
    op.create_index(op.f("ix_stix_partner_keys_kind_value"), "stix_partner_keys", ["kind", "value"])
    op.create_index(
        op.f("ix_stix_partner_keys_owner_record_id"), "stix_partner_keys", ["owner", "record_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_stix_partner_keys_owner_record_id"), table_name="stix_partner_keys")
    op.drop_index(op.f("ix_stix_partner_keys_kind_value"), table_name="stix_partner_keys")
    op.drop_table("stix_partner_keys")
    op.drop_index(op.f("ix_stix_deleted_stix_id"), table_name="stix_deleted")
    op.drop_table("stix_deleted")
