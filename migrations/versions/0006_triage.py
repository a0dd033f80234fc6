"""Triage: analysts' verdicts on stories (one per person per story) and entity mutes.

Revision ID: 0006
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verdicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=50), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("entities", sa.JSON(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"], name=op.f("fk_verdicts_story_id_stories"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verdicts")),
        sa.UniqueConstraint("story_id", "user_id", name=op.f("uq_verdicts_story_id")),
    )
    with op.batch_alter_table("verdicts") as batch_op:
        batch_op.create_index(batch_op.f("ix_verdicts_story_id"), ["story_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_verdicts_at"), ["at"], unique=False)

    op.create_table(
        "mutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=100), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.String(length=50), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"], name=op.f("fk_mutes_story_id_stories"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mutes")),
    )
    with op.batch_alter_table("mutes") as batch_op:
        batch_op.create_index(batch_op.f("ix_mutes_entity"), ["entity"], unique=False)


def downgrade() -> None:
    op.drop_table("mutes")
    op.drop_table("verdicts")
