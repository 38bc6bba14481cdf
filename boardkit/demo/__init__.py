"""The demo organisation of API.md ("Accounts in the demo data"), built deterministically from a seed.

``load_demo`` only adds and flushes; the caller owns the transaction (``boardkit demo`` resets the
database first). Everything random comes from one ``random.Random(seed)``, consumed in a fixed
order, so a seed always gives the same people, addresses and boards. Meeting times are relative to
now (upcoming meetings should stay upcoming) and never touch the random stream.

One module per domain: ``accounts`` (the fixed facts), ``people`` (names and the random stream),
``org`` (organisation, residents, boards), ``meetings`` (meetings and agendas), and the extras
only ``boardkit demo`` adds: ``packs``, ``minutes``, ``expenses``, ``library``, ``handover``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.storage import FileStore
from boardkit.demo.accounts import (
    ACCOUNT_NAMES,
    ADMIN_EMAIL,
    BOOKKEEPER_EMAIL,
    CHAIR_EMAIL,
    MEMBER_EMAIL,
    ORGANISATION_NAME,
    RESIDENT2_EMAIL,
    RESIDENT_EMAIL,
    SHORT_NAME,
    TREASURER_EMAIL,
)
from boardkit.demo.contacts import add_demo_contacts
from boardkit.demo.democracy import add_demo_democracy
from boardkit.demo.expenses import add_demo_expenses
from boardkit.demo.forum import add_demo_forum
from boardkit.demo.handover import add_demo_handover
from boardkit.demo.library import add_demo_library
from boardkit.demo.meetings import add_agendas, add_meetings
from boardkit.demo.minutes import add_demo_minutes
from boardkit.demo.onboarding import add_demo_onboarding
from boardkit.demo.org import add_organisation
from boardkit.demo.packs import add_demo_packs
from boardkit.demo.people import Builder, ascii_fold, demo_email
from boardkit.demo.permits import add_demo_permits
from boardkit.expenses import service as expense_service
from boardkit.meetings.models import Meeting
from boardkit.org.models import Organisation

__all__ = [
    "ACCOUNT_NAMES",
    "ADMIN_EMAIL",
    "BOOKKEEPER_EMAIL",
    "CHAIR_EMAIL",
    "MEMBER_EMAIL",
    "ORGANISATION_NAME",
    "RESIDENT2_EMAIL",
    "RESIDENT_EMAIL",
    "SHORT_NAME",
    "TREASURER_EMAIL",
    "ascii_fold",
    "demo_email",
    "load_demo",
]


def load_demo(
    db: Session, *, seed: int = 1, store: FileStore | None = None, secret_key: str = ""
) -> Organisation:
    """Create the demo organisation of API.md in ``db`` (flushed, not committed) and return it.

    With a file store, Engparken's next board meeting and its department meeting also get a few
    files and published meeting packs (``demo.packs``), minutes (``demo.minutes``) and, with the
    installation's key, expense claims (``demo.expenses``).
    """
    if db.scalar(select(Organisation.id).where(Organisation.short_name == SHORT_NAME)) is not None:
        raise ValueError(f"the demo organisation {SHORT_NAME!r} already exists; reset the database first")

    b = Builder(seed)
    made = add_organisation(b)
    add_meetings(b, made.boards)
    org, admin, ab_eng = made.org, made.admin, made.boards[0]

    db.add_all(b.objects)
    db.flush()
    add_agendas(db, [o for o in b.objects if isinstance(o, Meeting)], engparken_board=ab_eng)
    expense_service.seed_accounts(db, organisation_id=org.id)
    assert ab_eng.department_id is not None
    add_demo_permits(
        db, organisation=org, resident=b.by_email[RESIDENT_EMAIL], department_id=ab_eng.department_id
    )
    add_demo_forum(db, board=ab_eng)
    add_demo_contacts(db, organisation=org)
    if store is not None:
        add_demo_packs(db, store=store, board=ab_eng, admin=admin)
        add_demo_minutes(db, board=ab_eng)
        add_demo_onboarding(db, store=store, organisation_id=org.id, board=ab_eng)
        add_demo_library(db, store=store, board=ab_eng, admin=admin)
        if secret_key:  # bank accounts are stored encrypted with the installation's key
            add_demo_expenses(
                db,
                store=store,
                board=ab_eng,
                treasurer=b.by_email[TREASURER_EMAIL],
                chair=b.by_email[CHAIR_EMAIL],
                secret_key=secret_key,
            )
        add_demo_handover(db, store=store, board=ab_eng)
        add_demo_democracy(db, board=ab_eng)
    return org
