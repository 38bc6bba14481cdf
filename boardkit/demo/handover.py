"""Demo handover pack: last year's change in Engparken's board. A former vice chair left when the
department meeting of 2025 elected the present one; the pack made then is confirmed by the departing
member (checklist ticked, with a remark) and acknowledged by the successor, and its PDF is stored."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.storage import FileStore
from boardkit.core.templating import TZ, fmt_date
from boardkit.demo.accounts import TERM_2025
from boardkit.handover import service as handover_service
from boardkit.org import service as org_service
from boardkit.org.models import Board, Membership, Person, Residency, Tenancy

FORMER_START = date(2022, 9, 20)
REMARK = "Nøglen til fælleshuset er afleveret til formanden. Adgangen til hjemmesiden er givet videre."


def add_demo_handover(db: Session, *, store: FileStore, board: Board) -> handover_service.HandoverPack | None:
    successor = db.scalar(
        select(Membership).where(
            Membership.board_id == board.id, Membership.role == "vice_chair", Membership.end_date.is_(None)
        )
    )
    on_boards = select(Membership.person_id)
    former = db.scalar(
        select(Person)
        .join(Residency, Residency.person_id == Person.id)
        .join(Tenancy, Tenancy.id == Residency.tenancy_id)
        .where(
            Tenancy.department_id == board.department_id,
            Person.email.is_not(None),
            Person.email.not_like("%@demo.boardkit.dk"),
            Person.id.not_in(on_boards),
        )
        .order_by(Person.id)
        .limit(1)
    )
    if successor is None or former is None:
        return None
    ended = TERM_2025 - timedelta(days=1)
    db.add(
        Membership(
            board_id=board.id, person_id=former.id, role="vice_chair", start_date=FORMER_START, end_date=ended
        )
    )
    db.flush()
    pack = handover_service.generate(
        db,
        board_id=board.id,
        actor_id=None,
        reason="change",
        departing_person_id=former.id,
        successor_person_id=successor.person_id,
        as_of=TERM_2025,
    )
    made = datetime.combine(TERM_2025, time(20, 30), tzinfo=TZ)
    pack.created_at = made
    pack.content = {
        **pack.content,
        "facts": [
            [
                k,
                fmt_date(TERM_2025)
                if k == "Lavet"
                else f"{fmt_date(FORMER_START)} til {fmt_date(ended)}"
                if k == "Periode"
                else v,
            ]
            for k, v in pack.content["facts"]
        ],
    }
    handover_service.confirm_checklist(
        db,
        principal=org_service.build_principal(db, person_id=former.id),
        pack_id=pack.id,
        ticked=handover_service.CHECK_LINES,
        remark=REMARK,
    )
    handover_service.acknowledge(
        db, principal=org_service.build_principal(db, person_id=successor.person_id), pack_id=pack.id
    )
    pack.confirmed_at = made + timedelta(days=3)
    pack.acknowledged_at = made + timedelta(days=5)
    pack.pdf_sha256 = store.put(handover_service.render(pack))
    return pack
