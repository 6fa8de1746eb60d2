"""inventory ledger: positions name the cause of each write; triggers append the ledger and hold spans

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

FIGURES = ('on_hand', 'reserved', 'inbound', 'inbound_eta', 'inbound_promised')
LEDGER_COLUMNS = 'at, sku, location_id, cause, ref, source, on_hand, reserved, inbound, inbound_eta, inbound_promised'
LEDGER_VALUES = (
    "NEW.updated_at, NEW.sku, NEW.location_id, COALESCE(NEW.ledger_cause, 'unknown'), NEW.ledger_ref, "
    'NEW.last_source, NEW.on_hand, NEW.reserved, NEW.inbound, NEW.inbound_eta, NEW.inbound_promised'
)
MOVED_SQLITE = ' OR '.join(f'OLD.{c} IS NOT NEW.{c}' for c in FIGURES)
MOVED_PG = ' OR '.join(f'OLD.{c} IS DISTINCT FROM NEW.{c}' for c in FIGURES)
SPAN_INSERT = (
    'INSERT INTO hold_spans (hold_id, location_id, sku, quantity, started_at, ended_at, expires_at) '
    'VALUES (NEW.hold_id, NEW.location_id, NEW.sku, NEW.quantity, '
    '(SELECT created_at FROM checkout_holds WHERE id = NEW.hold_id), NULL, NEW.expires_at)'
)
SPAN_EXTEND = (
    'UPDATE hold_spans SET expires_at = NEW.expires_at '
    'WHERE hold_id = NEW.hold_id AND location_id = NEW.location_id AND sku = NEW.sku'
)
SPAN_END = 'UPDATE hold_spans SET ended_at = NEW.updated_at WHERE hold_id = NEW.id AND ended_at IS NULL'


def upgrade() -> None:
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ledger_cause', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('ledger_ref', sa.String(length=200), nullable=True))
    op.create_table('inventory_ledger',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('cause', sa.String(length=32), nullable=False),
    sa.Column('ref', sa.String(length=200), nullable=True),
    sa.Column('source', sa.String(length=64), nullable=True),
    sa.Column('on_hand', sa.Integer(), nullable=False),
    sa.Column('reserved', sa.Integer(), nullable=False),
    sa.Column('inbound', sa.Integer(), nullable=False),
    sa.Column('inbound_eta', sa.DateTime(timezone=True), nullable=True),
    sa.Column('inbound_promised', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_ledger'))
    )
    op.create_index('ix_inventory_ledger_at', 'inventory_ledger', ['at'], unique=False)
    op.create_index('ix_inventory_ledger_position', 'inventory_ledger', ['sku', 'location_id', 'at'], unique=False)
    op.create_table('hold_spans',
    sa.Column('hold_id', sa.String(length=40), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('hold_id', 'location_id', 'sku', name=op.f('pk_hold_spans'))
    )
    op.create_index('ix_hold_spans_sku', 'hold_spans', ['sku', 'started_at'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        _postgresql_triggers()
    else:
        _sqlite_triggers()
    _backfill()


def _backfill() -> None:
    """Positions that exist already start their history with what they hold now."""
    op.execute(
        f'INSERT INTO inventory_ledger ({LEDGER_COLUMNS}) '
        "SELECT updated_at, sku, location_id, 'seed', NULL, last_source, on_hand, reserved, inbound, inbound_eta, "
        'inbound_promised FROM positions ORDER BY location_id, sku'
    )
    op.execute(
        'INSERT INTO hold_spans (hold_id, location_id, sku, quantity, started_at, ended_at, expires_at) '
        'SELECT l.hold_id, l.location_id, l.sku, l.quantity, h.created_at, NULL, l.expires_at '
        'FROM hold_lines AS l JOIN checkout_holds AS h ON h.id = l.hold_id'
    )


def _sqlite_triggers() -> None:
    op.execute(
        'CREATE TRIGGER positions_ledger_insert AFTER INSERT ON positions BEGIN '
        f'INSERT INTO inventory_ledger ({LEDGER_COLUMNS}) VALUES ({LEDGER_VALUES}); END'
    )
    op.execute(
        f'CREATE TRIGGER positions_ledger_update AFTER UPDATE ON positions WHEN {MOVED_SQLITE} BEGIN '
        f'INSERT INTO inventory_ledger ({LEDGER_COLUMNS}) VALUES ({LEDGER_VALUES}); END'
    )
    op.execute(f'CREATE TRIGGER hold_lines_span_insert AFTER INSERT ON hold_lines BEGIN {SPAN_INSERT}; END')
    op.execute(
        'CREATE TRIGGER hold_lines_span_extend AFTER UPDATE OF expires_at ON hold_lines BEGIN '
        f'{SPAN_EXTEND}; END'
    )
    op.execute(
        'CREATE TRIGGER checkout_holds_span_end AFTER UPDATE OF status ON checkout_holds '
        f"WHEN OLD.status = 'ACTIVE' AND NEW.status <> 'ACTIVE' BEGIN {SPAN_END}; END"
    )


def _postgresql_triggers() -> None:
    for name, body in (
        ('positions_ledger', f'INSERT INTO inventory_ledger ({LEDGER_COLUMNS}) VALUES ({LEDGER_VALUES})'),
        ('hold_lines_span_insert', SPAN_INSERT),
        ('hold_lines_span_extend', SPAN_EXTEND),
        ('checkout_holds_span_end', SPAN_END),
    ):
        op.execute(
            f'CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ '
            f'BEGIN {body}; RETURN NULL; END $$'
        )
    op.execute(
        'CREATE TRIGGER positions_ledger_insert AFTER INSERT ON positions '
        'FOR EACH ROW EXECUTE FUNCTION positions_ledger()'
    )
    op.execute(
        'CREATE TRIGGER positions_ledger_update AFTER UPDATE ON positions '
        f'FOR EACH ROW WHEN ({MOVED_PG}) EXECUTE FUNCTION positions_ledger()'
    )
    op.execute(
        'CREATE TRIGGER hold_lines_span_insert AFTER INSERT ON hold_lines '
        'FOR EACH ROW EXECUTE FUNCTION hold_lines_span_insert()'
    )
    op.execute(
        'CREATE TRIGGER hold_lines_span_extend AFTER UPDATE OF expires_at ON hold_lines '
        'FOR EACH ROW EXECUTE FUNCTION hold_lines_span_extend()'
    )
    op.execute(
        'CREATE TRIGGER checkout_holds_span_end AFTER UPDATE OF status ON checkout_holds '
        "FOR EACH ROW WHEN (OLD.status = 'ACTIVE' AND NEW.status <> 'ACTIVE') "
        'EXECUTE FUNCTION checkout_holds_span_end()'
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table, name in (
            ('positions', 'positions_ledger_insert'),
            ('positions', 'positions_ledger_update'),
            ('hold_lines', 'hold_lines_span_insert'),
            ('hold_lines', 'hold_lines_span_extend'),
            ('checkout_holds', 'checkout_holds_span_end'),
        ):
            op.execute(f'DROP TRIGGER {name} ON {table}')
        for name in ('positions_ledger', 'hold_lines_span_insert', 'hold_lines_span_extend', 'checkout_holds_span_end'):
            op.execute(f'DROP FUNCTION {name}()')
    else:
        for name in (
            'positions_ledger_insert',
            'positions_ledger_update',
            'hold_lines_span_insert',
            'hold_lines_span_extend',
            'checkout_holds_span_end',
        ):
            op.execute(f'DROP TRIGGER {name}')
    op.drop_index('ix_hold_spans_sku', table_name='hold_spans')
    op.drop_table('hold_spans')
    op.drop_index('ix_inventory_ledger_position', table_name='inventory_ledger')
    op.drop_index('ix_inventory_ledger_at', table_name='inventory_ledger')
    op.drop_table('inventory_ledger')
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.drop_column('ledger_ref')
        batch_op.drop_column('ledger_cause')
