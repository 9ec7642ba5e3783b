"""STIX 2.1 objects, their correlating values, TAXII collections, statuses and feeds; tokens
that act for a partner agency

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-02 18:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "stix_objects",
        sa.Column("pk", _BIG, autoincrement=True, nullable=False),
        sa.Column("owner", sa.String(length=40), nullable=False),
        sa.Column("stix_id", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("spec_version", sa.String(length=8), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("modified_at", _AT, nullable=True),
        sa.Column("date_added", _AT, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column("policy_schema", sa.String(length=120), nullable=False),
        sa.Column("ftm_id", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_stix_objects")),
        sa.UniqueConstraint(
            "owner", "stix_id", "version", name=op.f("uq_stix_objects_owner_stix_id_version")
        ),
    )
    op.create_index(op.f("ix_stix_objects_stix_id_version"), "stix_objects", ["stix_id", "version"])
    op.create_index(op.f("ix_stix_objects_type_pk"), "stix_objects", ["type", "pk"])
    op.create_index(op.f("ix_stix_objects_date_added"), "stix_objects", ["date_added"])
    op.create_table(
        "stix_keys",
        sa.Column("object_pk", _BIG, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_pk"],
            ["stix_objects.pk"],
            name=op.f("fk_stix_keys_object_pk_stix_objects"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        op.f("ix_stix_keys_kind_value_object_pk"), "stix_keys", ["kind", "value", "object_pk"]
    )
    op.create_index(op.f("ix_stix_keys_object_pk"), "stix_keys", ["object_pk"])
    op.create_table(
        "stix_collections",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("types", sa.JSON(), nullable=True),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("crime_area", sa.String(length=40), nullable=False),
        sa.Column("read_roles", sa.JSON(), nullable=False),
        sa.Column("write_roles", sa.JSON(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stix_collections")),
    )
    op.create_table(
        "stix_statuses",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("collection_id", sa.String(length=64), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("request_timestamp", _AT, nullable=False),
        sa.Column("total_count", sa.Integer(), nullable=False),
        sa.Column("success_count", sa.Integer(), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("successes", sa.JSON(), nullable=False),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stix_statuses")),
    )
    op.create_table(
        "stix_feeds",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("collection_id", sa.String(length=200), nullable=False),
        sa.Column("token_env", sa.String(length=100), nullable=True),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column("added_after", sa.String(length=40), nullable=True),
        sa.Column("next_page", sa.Text(), nullable=True),
        sa.Column("seen_until", sa.String(length=40), nullable=True),
        sa.Column("last_pulled_at", _AT, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_stix_feeds")),
    )
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("acts_for", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("acts_for")
    op.drop_table("stix_feeds")
    op.drop_table("stix_statuses")
    op.drop_table("stix_collections")
    op.drop_index(op.f("ix_stix_keys_object_pk"), table_name="stix_keys")
    op.drop_index(op.f("ix_stix_keys_kind_value_object_pk"), table_name="stix_keys")
    op.drop_table("stix_keys")
    op.drop_index(op.f("ix_stix_objects_date_added"), table_name="stix_objects")
    op.drop_index(op.f("ix_stix_objects_type_pk"), table_name="stix_objects")
    op.drop_index(op.f("ix_stix_objects_stix_id_version"), table_name="stix_objects")
    op.drop_table("stix_objects")
