"""who answered a consent link: the person's own chat, so notices reach them too

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consent_link") as batch:
        batch.add_column(sa.Column("person_chat_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consent_link") as batch:
        batch.drop_column("person_chat_id")
