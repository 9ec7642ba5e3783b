"""cross-referencing: runs, candidate links and analysts' append-only judgements

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "xref_runs",
        sa.Column("id", _BIG, autoincrement=True, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("against", sa.String(length=40), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xref_runs")),
    )
    op.create_table(
        "xref_links",
        sa.Column("id", _BIG, autoincrement=True, nullable=False),
        sa.Column("left_owner", sa.String(length=40), nullable=False),
        sa.Column("left_id", sa.String(length=200), nullable=False),
        sa.Column("right_owner", sa.String(length=40), nullable=False),
        sa.Column("right_id", sa.String(length=200), nullable=False),
        sa.Column("run_id", _BIG, nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("algorithm", sa.String(length=64), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("splink_probability", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["xref_runs.id"], name=op.f("fk_xref_links_run_id_xref_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xref_links")),
        sa.UniqueConstraint(
            "left_owner",
            "left_id",
            "right_owner",
            "right_id",
            name=op.f("uq_xref_links_left_owner_left_id_right_owner_right_id"),
        ),
    )
    op.create_index(op.f("ix_xref_links_run_id"), "xref_links", ["run_id"])
    op.create_index(
        op.f("ix_xref_links_right_owner_right_id"), "xref_links", ["right_owner", "right_id"]
    )
    op.create_table(
        "xref_judgements",
        sa.Column("id", _BIG, autoincrement=True, nullable=False),
        sa.Column("link_id", _BIG, nullable=False),
        sa.Column("judgement", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("judged_by", sa.String(length=200), nullable=False),
        sa.Column("judged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"], ["xref_links.id"], name=op.f("fk_xref_judgements_link_id_xref_links")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xref_judgements")),
    )
    op.create_index(op.f("ix_xref_judgements_link_id"), "xref_judgements", ["link_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_xref_judgements_link_id"), table_name="xref_judgements")
    op.drop_table("xref_judgements")
    op.drop_index(op.f("ix_xref_links_right_owner_right_id"), table_name="xref_links")
    op.drop_index(op.f("ix_xref_links_run_id"), table_name="xref_links")
    op.drop_table("xref_links")
    op.drop_table("xref_runs")
