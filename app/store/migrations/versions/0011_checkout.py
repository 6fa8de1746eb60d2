"""checkout holds, daily capacity and pickup slot counters, postal codes, location time zones

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 18:44:55.511201
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.store.types

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('checkout_holds',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('market', sa.String(length=64), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('delivery', sa.JSON(), nullable=False),
    sa.Column('plan', sa.JSON(), nullable=False),
    sa.Column('capacity_days', sa.JSON(), nullable=False),
    sa.Column('slot_location_id', sa.String(length=64), nullable=True),
    sa.Column('slot_starts_at', app.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=True),
    sa.Column('created_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkout_holds')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_checkout_holds_idempotency_key'))
    )
    with op.batch_alter_table('checkout_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkout_holds_status_expires_at'), ['status', 'expires_at'], unique=False)

    op.create_table('location_day_load',
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('location_id', 'day', name=op.f('pk_location_day_load'))
    )
    op.create_table('pickup_slot_load',
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('starts_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('location_id', 'starts_at', name=op.f('pk_pickup_slot_load'))
    )
    op.create_table('postal_codes',
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('postal_code', sa.String(length=20), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('updated_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('country', 'postal_code', name=op.f('pk_postal_codes'))
    )
    op.create_table('hold_lines',
    sa.Column('hold_id', sa.String(length=40), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('expires_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hold_id'], ['checkout_holds.id'], name=op.f('fk_hold_lines_hold_id_checkout_holds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('hold_id', 'location_id', 'sku', name=op.f('pk_hold_lines'))
    )
    with op.batch_alter_table('hold_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hold_lines_expires_at'), ['expires_at'], unique=False)

    op.create_table('pickup_slot_policies',
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('opens_at', sa.String(length=5), nullable=False),
    sa.Column('closes_at', sa.String(length=5), nullable=False),
    sa.Column('slot_minutes', sa.Integer(), nullable=False),
    sa.Column('capacity_per_slot', sa.Integer(), nullable=False),
    sa.Column('lead_minutes', sa.Integer(), nullable=False),
    sa.Column('updated_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_pickup_slot_policies_location_id_locations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('location_id', name=op.f('pk_pickup_slot_policies'))
    )
    with op.batch_alter_table('fulfillments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacity_day', sa.String(length=10), nullable=True))

    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_column('timezone')

    with op.batch_alter_table('fulfillments', schema=None) as batch_op:
        batch_op.drop_column('capacity_day')

    op.drop_table('pickup_slot_policies')
    with op.batch_alter_table('hold_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hold_lines_expires_at'))

    op.drop_table('hold_lines')
    op.drop_table('postal_codes')
    op.drop_table('pickup_slot_load')
    op.drop_table('location_day_load')
    with op.batch_alter_table('checkout_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkout_holds_status_expires_at'))

    op.drop_table('checkout_holds')
