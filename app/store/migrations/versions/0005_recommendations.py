"""product relations and co-purchase statistics

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 23:41:58.742692
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.store.types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('co_purchases',
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('related_sku', sa.String(length=64), nullable=False),
    sa.Column('together', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('sku', 'related_sku', name=op.f('pk_co_purchases'))
    )
    op.create_table('order_stats',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_order_stats'))
    )
    op.create_table('product_relations',
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('related_sku', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('updated_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sku', 'related_sku', 'kind', name=op.f('pk_product_relations'))
    )
    op.create_table('sku_order_counts',
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('sku', name=op.f('pk_sku_order_counts'))
    )


def downgrade() -> None:
    op.drop_table('sku_order_counts')
    op.drop_table('product_relations')
    op.drop_table('order_stats')
    op.drop_table('co_purchases')
