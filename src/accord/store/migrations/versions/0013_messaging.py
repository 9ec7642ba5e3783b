"""messages, their states and attachments; MLA requests and their transitions; cases and
their members (joint investigation teams)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 18:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("pk", _BIG, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("lead_agency", sa.String(length=40), nullable=False),
        sa.Column("legal_basis", sa.String(length=64), nullable=True),
        sa.Column("crime_area", sa.String(length=40), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_cases")),
        sa.UniqueConstraint("case_id", name=op.f("uq_cases_case_id")),
    )
    op.create_table(
        "message_attachments",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", _BIG, nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_message_attachments")),
    )
    op.create_table(
        "messages",
        sa.Column("pk", _BIG, autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("thread_id", sa.String(length=64), nullable=False),
        sa.Column("in_reply_to", sa.String(length=64), nullable=True),
        sa.Column("case_reference", sa.String(length=200), nullable=True),
        sa.Column("case_id", sa.String(length=64), nullable=True),
        sa.Column("mla_id", sa.String(length=64), nullable=True),
        sa.Column("partner_node", sa.String(length=64), nullable=False),
        sa.Column("partner_agency", sa.String(length=40), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("deadline", _AT, nullable=True),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("sent_at", _AT, nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_messages_message_id")),
    )
    op.create_index(op.f("ix_messages_direction_pk"), "messages", ["direction", "pk"], unique=False)
    op.create_index(op.f("ix_messages_in_reply_to"), "messages", ["in_reply_to"], unique=False)
    op.create_index(op.f("ix_messages_thread_id"), "messages", ["thread_id"], unique=False)
    op.create_table(
        "mla_requests",
        sa.Column("pk", _BIG, autoincrement=True, nullable=False),
        sa.Column("mla_id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("partner_node", sa.String(length=64), nullable=True),
        sa.Column("requesting_agency", sa.String(length=40), nullable=False),
        sa.Column("requested_agency", sa.String(length=40), nullable=False),
        sa.Column("legal_basis", sa.String(length=64), nullable=False),
        sa.Column("crime_area", sa.String(length=40), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("deadline", _AT, nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_mla_requests")),
        sa.UniqueConstraint("mla_id", name=op.f("uq_mla_requests_mla_id")),
    )
    op.create_table(
        "case_members",
        sa.Column("pk", _BIG, autoincrement=True, nullable=False),
        sa.Column("case_pk", _BIG, nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_pk"], ["cases.pk"], name=op.f("fk_case_members_case_pk_cases")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_case_members")),
    )
    op.create_index(op.f("ix_case_members_case_pk"), "case_members", ["case_pk"], unique=False)
    op.create_table(
        "message_files",
        sa.Column("message_pk", _BIG, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_pk"], ["messages.pk"], name=op.f("fk_message_files_message_pk_messages")
        ),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["message_attachments.sha256"],
            name=op.f("fk_message_files_sha256_message_attachments"),
        ),
        sa.UniqueConstraint(
            "message_pk", "sha256", name=op.f("uq_message_files_message_pk_sha256")
        ),
    )
    op.create_index(op.f("ix_message_files_sha256"), "message_files", ["sha256"], unique=False)
    op.create_table(
        "message_states",
        sa.Column("pk", _BIG, autoincrement=True, nullable=False),
        sa.Column("message_pk", _BIG, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_pk"], ["messages.pk"], name=op.f("fk_message_states_message_pk_messages")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_message_states")),
    )
    op.create_index(
        op.f("ix_message_states_message_pk"), "message_states", ["message_pk"], unique=False
    )
    op.create_table(
        "mla_transitions",
        sa.Column("pk", _BIG, autoincrement=True, nullable=False),
        sa.Column("mla_pk", _BIG, nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mla_pk"], ["mla_requests.pk"], name=op.f("fk_mla_transitions_mla_pk_mla_requests")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_mla_transitions")),
    )
    op.create_index(op.f("ix_mla_transitions_mla_pk"), "mla_transitions", ["mla_pk"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_mla_transitions_mla_pk"), table_name="mla_transitions")
    op.drop_table("mla_transitions")
    op.drop_index(op.f("ix_message_states_message_pk"), table_name="message_states")
    op.drop_table("message_states")
    op.drop_index(op.f("ix_message_files_sha256"), table_name="message_files")
    op.drop_table("message_files")
    op.drop_index(op.f("ix_case_members_case_pk"), table_name="case_members")
    op.drop_table("case_members")
    op.drop_table("mla_requests")
    op.drop_index(op.f("ix_messages_thread_id"), table_name="messages")
    op.drop_index(op.f("ix_messages_in_reply_to"), table_name="messages")
    op.drop_index(op.f("ix_messages_direction_pk"), table_name="messages")
    op.drop_table("messages")
    op.drop_table("message_attachments")
    op.drop_table("cases")
