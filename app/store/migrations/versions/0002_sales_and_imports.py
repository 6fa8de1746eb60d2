"""sales velocity and bulk inventory imports

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 22:39:55.114624
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.store.types

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inventory_import_rows',
    sa.Column('import_id', sa.String(length=32), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('as_of', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('inbound', sa.Integer(), nullable=True),
    sa.Column('inbound_eta', app.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('event_id', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('import_id', 'line_no', name=op.f('pk_inventory_import_rows'))
    )
    with op.batch_alter_table('inventory_import_rows', schema=None) as batch_op:
        batch_op.create_index('ix_import_rows_apply_order', ['import_id', 'priority', 'sku', 'location_id', 'line_no'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        # Staging rows are rebuilt by rerunning the import: no WAL needed.
        op.execute("ALTER TABLE inventory_import_rows SET UNLOGGED")
    op.create_table('inventory_imports',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('file', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('lines', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rejected', sa.Integer(), server_default='0', nullable=False),
    sa.Column('applied', sa.Integer(), server_default='0', nullable=False),
    sa.Column('ignored_stale', sa.Integer(), server_default='0', nullable=False),
    sa.Column('duplicates', sa.Integer(), server_default='0', nullable=False),
    sa.Column('started_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', app.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_imports'))
    )
    op.create_table('sku_sales',
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('sku', 'day', name=op.f('pk_sku_sales'))
    )
    with op.batch_alter_table('sku_sales', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sku_sales_day'), ['day'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sku_sales', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sku_sales_day'))

    op.drop_table('sku_sales')
    op.drop_table('inventory_imports')
    with op.batch_alter_table('inventory_import_rows', schema=None) as batch_op:
        batch_op.drop_index('ix_import_rows_apply_order')

    op.drop_table('inventory_import_rows')
