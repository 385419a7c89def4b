"""indexes for traces and stock on hand at scale

A trace walks lot_links one way or the other: each of the two indexes holds the whole
link (both lots and the quantity), so tracing tens of thousands of lots reads only the
index. They replace the single-column indexes on input_lot_id and output_lot_id, which
they begin with.

Balances at zero are left behind by every lot that was used up (most of a long history):
ix_balances_on_hand holds only what is on hand, so picking, suggestions and valuation
read what is there rather than everything that ever was.

Revision ID: 74bcfa81348c
Revises: c6fe508c2632
Create Date: 2026-11-26 02:39:21.966764

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '74bcfa81348c'
down_revision = 'c6fe508c2632'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_balances_on_hand', 'balances',
                    ['item_id', 'lot_id', 'location_id', 'quantity'], unique=False,
                    sqlite_where=sa.text('quantity > 0'),
                    postgresql_where=sa.text('quantity > 0'))
    op.drop_index('ix_lot_links_input_lot_id', table_name='lot_links')
    op.drop_index('ix_lot_links_output_lot_id', table_name='lot_links')
    op.create_index('ix_lot_links_input_output', 'lot_links',
                    ['input_lot_id', 'output_lot_id', 'quantity'], unique=False)
    op.create_index('ix_lot_links_output_input', 'lot_links',
                    ['output_lot_id', 'input_lot_id', 'quantity'], unique=False)


def downgrade():
    op.drop_index('ix_lot_links_output_input', table_name='lot_links')
    op.drop_index('ix_lot_links_input_output', table_name='lot_links')
    op.create_index('ix_lot_links_output_lot_id', 'lot_links', ['output_lot_id'], unique=False)
    op.create_index('ix_lot_links_input_lot_id', 'lot_links', ['input_lot_id'], unique=False)
    op.drop_index('ix_balances_on_hand', table_name='balances')
