"""travel documents: the lost-and-stolen registry, its append-only history, and check hits

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _report_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=True),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "travel_documents",
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("doc_type", sa.String(length=32), nullable=False),
        *_report_columns(),
        sa.PrimaryKeyConstraint("country", "number", "doc_type", name=op.f("pk_travel_documents")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "travel_document_history",
        sa.Column("id", _BIG, autoincrement=True, nullable=False),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("doc_type", sa.String(length=32), nullable=False),
        *_report_columns(),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_travel_document_history")),
    )
    op.create_index(
        op.f("ix_travel_document_history_country_number_doc_type"),
        "travel_document_history",
        ["country", "number", "doc_type"],
    )
    op.create_table(
        "document_hits",
        sa.Column("id", _BIG, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("doc_type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("issuer_agency", sa.String(length=40), nullable=False),
        sa.Column("checked_by", sa.String(length=200), nullable=False),
        sa.Column("checker_agency", sa.String(length=40), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("ledger_index", _BIG, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_hits")),
    )
    op.create_index(
        op.f("ix_document_hits_country_number_doc_type"),
        "document_hits",
        ["country", "number", "doc_type"],
    )
    op.create_index(op.f("ix_document_hits_at"), "document_hits", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_document_hits_at"), table_name="document_hits")
    op.drop_index(op.f("ix_document_hits_country_number_doc_type"), table_name="document_hits")
    op.drop_table("document_hits")
    op.drop_index(
        op.f("ix_travel_document_history_country_number_doc_type"),
        table_name="travel_document_history",
    )
    op.drop_table("travel_document_history")
    op.drop_table("travel_documents")
