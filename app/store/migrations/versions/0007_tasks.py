"""tasks, task policies, fraud policy

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 00:21:16.286245
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.store.types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fraud_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hold_at_risk_score', sa.Float(), nullable=True),
    sa.Column('hold_at_order_total', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fraud_policy'))
    )
    op.create_table('task_policies',
    sa.Column('task_type', sa.String(length=32), nullable=False),
    sa.Column('sla_minutes', sa.Float(), nullable=False),
    sa.Column('escalate_to_roles', sa.JSON(), nullable=False),
    sa.Column('auto_outcome_after_minutes', sa.Float(), nullable=True),
    sa.Column('auto_outcome', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('task_type', name=op.f('pk_task_policies'))
    )
    op.create_table('tasks',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=True),
    sa.Column('location_id', sa.String(length=64), nullable=True),
    sa.Column('subject_id', sa.String(length=40), nullable=True),
    sa.Column('assignee_role', sa.String(length=32), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('due_at', app.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('created_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tasks_created_at_id'), ['created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_location_id_status'), ['location_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_status_due_at'), ['status', 'due_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tasks_status_due_at'))
        batch_op.drop_index(batch_op.f('ix_tasks_order_id'))
        batch_op.drop_index(batch_op.f('ix_tasks_location_id_status'))
        batch_op.drop_index(batch_op.f('ix_tasks_created_at_id'))

    op.drop_table('tasks')
    op.drop_table('task_policies')
    op.drop_table('fraud_policy')
