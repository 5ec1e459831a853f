"""a request remembers the draft it was sent from, so Send is idempotent per draft

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:35:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sip_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draft_key", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint("uq_sip_request_draft_key", ["draft_key"])


def downgrade() -> None:
    with op.batch_alter_table("sip_request", schema=None) as batch_op:
        batch_op.drop_constraint("uq_sip_request_draft_key", type_="unique")
        batch_op.drop_column("draft_key")
