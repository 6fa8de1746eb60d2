"""cache version tokens for reference data

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 22:57:48.839415
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.store.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cache_versions',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_versions'))
    )


def downgrade() -> None:
    op.drop_table('cache_versions')
