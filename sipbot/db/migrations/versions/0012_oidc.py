"""oidc: staff identities at the region's OpenID Connect provider

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

import sipbot.db.crypto
import sipbot.db.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_identity",
        sa.Column("subject_hash", sa.String(length=64), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("verified", sipbot.db.crypto.EncryptedJSON(), nullable=True),
        sa.Column("verified_at", sipbot.db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["telegram_id"], ["staff_member.telegram_id"]),
        sa.PrimaryKeyConstraint("subject_hash"),
    )
    op.create_index("ix_staff_identity_telegram_id", "staff_identity", ["telegram_id"])


def downgrade() -> None:
    op.drop_index("ix_staff_identity_telegram_id", table_name="staff_identity")
    op.drop_table("staff_identity")
