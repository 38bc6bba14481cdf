"""mail log without usable links: sealed links, the message's organisation

Revision ID: 0008_sec
Revises: 0007
Create Date: 2026-12-05 10:00:00.000000

``outbox_email.sealed`` keeps a queued message's personal links encrypted (``core.mail``), and
``organisation_id`` says whose staff may see the message. Messages already sent or failed get
their links masked here; queued ones are left to be delivered (the mail log masks them on show).
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_sec"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As core.mail.SECRET_LINK was when this migration was written (a migration keeps its own copy).
SECRET_LINK = re.compile(r"(https?://[^\s\"'<>]*?/(?:login/link|rsvp|n|calendar)/)([^\s\"'<>?#&]+)")
MASK = "********"
BATCH = 500


def _redact(text: str) -> str:
    return SECRET_LINK.sub(lambda m: m.group(1) + MASK, text)


def upgrade() -> None:
    with op.batch_alter_table("outbox_email") as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sealed", sa.Text(), nullable=False, server_default=""))
        batch_op.create_index(
            batch_op.f("ix_outbox_email_organisation_id"), ["organisation_id"], unique=False
        )

    outbox = sa.table(
        "outbox_email",
        sa.column("id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("body_text", sa.Text()),
        sa.column("body_html", sa.Text()),
    )
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.select(outbox.c.id, outbox.c.body_text, outbox.c.body_html)
            .where(outbox.c.id > last, outbox.c.status != "queued")
            .order_by(outbox.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for row in rows:
            last = row.id
            text, html = _redact(row.body_text), _redact(row.body_html)
            if (text, html) != (row.body_text, row.body_html):
                conn.execute(
                    sa.update(outbox).where(outbox.c.id == row.id).values(body_text=text, body_html=html)
                )


def downgrade() -> None:
    with op.batch_alter_table("outbox_email") as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_email_organisation_id"))
        batch_op.drop_column("sealed")
        batch_op.drop_column("organisation_id")
