"""items.sale_opened_at: when a released pre-order item went on general sale (its pre-orders served first)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 02:00:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.store.types

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('items') as batch:
        batch.add_column(sa.Column('sale_opened_at', app.store.types.UtcDateTime(timezone=True), nullable=True))
    # Pre-order items released before this column existed were on sale already.
    items = sa.table(
        'items',
        sa.column('release_at', app.store.types.UtcDateTime(timezone=True)),
        sa.column('sale_opened_at', app.store.types.UtcDateTime(timezone=True)),
    )
    op.create_index(
        'ix_items_sale_pending',
        'items',
        ['release_at'],
        postgresql_where=sa.text("sale_opened_at IS NULL AND preorder_units > 0"),
        sqlite_where=sa.text("sale_opened_at IS NULL AND preorder_units > 0"),
    )
    now = datetime.now(UTC)
    op.get_bind().execute(
        items.update()
        .where(items.c.release_at.is_not(None), items.c.release_at <= now)
        .values(sale_opened_at=items.c.release_at)
    )


def downgrade() -> None:
    op.drop_index('ix_items_sale_pending', table_name='items')
    with op.batch_alter_table('items') as batch:
        batch.drop_column('sale_opened_at')
