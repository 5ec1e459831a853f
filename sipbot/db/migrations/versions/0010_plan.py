"""plan: a request's SIP plan and its immutable versions

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

import sipbot.db.crypto
import sipbot.db.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sipbot.db.types.UTCDateTime(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("draft", sipbot.db.crypto.EncryptedJSON(), nullable=True),
        sa.Column("draft_at", sipbot.db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["sip_request.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id"),
    )
    op.create_table(
        "plan_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("made_at", sipbot.db.types.UTCDateTime(), nullable=False),
        sa.Column("made_by", sa.BigInteger(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("followup_at", sipbot.db.types.UTCDateTime(), nullable=True),
        sa.Column("content", sipbot.db.crypto.EncryptedJSON(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_version", schema=None) as batch_op:
        batch_op.create_index("ix_plan_version_plan", ["plan_id", "number"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("plan_version", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_version_plan")
    op.drop_table("plan_version")
    op.drop_table("plan")
