"""rule versions (every saved or deleted availability rule, for availability as it was); sourcing simulations;
the ledger also records a snapshot that confirms what the OMS believed (a count check, for stock accuracy)

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

FIGURES = ('on_hand', 'reserved', 'inbound', 'inbound_eta', 'inbound_promised')
LEDGER_COLUMNS = 'at, sku, location_id, cause, ref, source, on_hand, reserved, inbound, inbound_eta, inbound_promised'
LEDGER_VALUES = (
    "NEW.updated_at, NEW.sku, NEW.location_id, COALESCE(NEW.ledger_cause, 'unknown'), NEW.ledger_ref, "
    'NEW.last_source, NEW.on_hand, NEW.reserved, NEW.inbound, NEW.inbound_eta, NEW.inbound_promised'
)
CHECKED = " OR NEW.ledger_cause = 'sync_snapshot'"


def upgrade() -> None:
    op.create_table('rule_versions',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('rule_id', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('body', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_rule_versions'))
    )
    op.create_index('ix_rule_versions_at', 'rule_versions', ['at'], unique=False)
    op.create_table('sourcing_simulations',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('request', sa.JSON(), nullable=False),
    sa.Column('state', sa.JSON(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sourcing_simulations'))
    )
    op.create_index('ix_sourcing_simulations_status', 'sourcing_simulations', ['status', 'created_at'], unique=False)
    _update_trigger(CHECKED)


def _update_trigger(when_extra: str) -> None:
    """Re-made with a count check (a snapshot, even one that moved nothing) recorded too."""
    if op.get_bind().dialect.name == 'postgresql':
        moved = ' OR '.join(f'OLD.{c} IS DISTINCT FROM NEW.{c}' for c in FIGURES)
        op.execute('DROP TRIGGER positions_ledger_update ON positions')
        op.execute(
            'CREATE TRIGGER positions_ledger_update AFTER UPDATE ON positions '
            f'FOR EACH ROW WHEN ({moved}{when_extra}) EXECUTE FUNCTION positions_ledger()'
        )
        return
    moved = ' OR '.join(f'OLD.{c} IS NOT NEW.{c}' for c in FIGURES)
    op.execute('DROP TRIGGER positions_ledger_update')
    op.execute(
        f'CREATE TRIGGER positions_ledger_update AFTER UPDATE ON positions WHEN {moved}{when_extra} BEGIN '
        f'INSERT INTO inventory_ledger ({LEDGER_COLUMNS}) VALUES ({LEDGER_VALUES}); END'
    )


def downgrade() -> None:
    _update_trigger('')
    op.drop_index('ix_sourcing_simulations_status', table_name='sourcing_simulations')
    op.drop_table('sourcing_simulations')
    op.drop_index('ix_rule_versions_at', table_name='rule_versions')
    op.drop_table('rule_versions')
