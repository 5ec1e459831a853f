"""the name of the person a request is for, encrypted, for the staff queue

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

import sipbot.db.crypto

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sip_request") as batch:
        batch.add_column(sa.Column("person_name", sipbot.db.crypto.EncryptedText(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sip_request") as batch:
        batch.drop_column("person_name")
