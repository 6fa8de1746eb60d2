"""rule versions: every saved or deleted availability rule, for availability as it was

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 22:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rule_versions',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('rule_id', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('body', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_rule_versions'))
    )
    op.create_index('ix_rule_versions_at', 'rule_versions', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_rule_versions_at', table_name='rule_versions')
    op.drop_table('rule_versions')
