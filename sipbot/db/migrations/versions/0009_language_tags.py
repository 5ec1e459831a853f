"""language columns hold any catalog's tag ("sma", "fa"), not only two letters

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("person", "sip_request")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "language", existing_type=sa.String(length=2), type_=sa.String(length=16)
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "language", existing_type=sa.String(length=16), type_=sa.String(length=2)
            )
