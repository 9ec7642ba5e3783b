"""record_keys: one covering index on (kind, value, record_pk)

A candidate search reads the records holding each of a query's keys. With the index on
(kind, value) alone every posting cost a table lookup for its record_pk; with record_pk in
the index the postings are read from the index only (a sixth of the time at 20,000 persons).
The covering index answers every lookup the old one did, so the old one goes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 13:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_keys_kind_value_record_pk"),
            ["kind", "value", "record_pk"],
            unique=False,
        )
        batch_op.drop_index(batch_op.f("ix_record_keys_kind_value"))


def downgrade() -> None:
    with op.batch_alter_table("record_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_keys_kind_value"), ["kind", "value"], unique=False
        )
        batch_op.drop_index(batch_op.f("ix_record_keys_kind_value_record_pk"))
