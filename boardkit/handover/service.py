"""The handover pack's public face: make a pack (on a change in the board, or when the chair asks),
read it, the departing member's checklist and the successor's receipt, and its PDF.

Who sees what: the board's sitting members and the administration see the board's packs, and the
named successor sees the pack made for them; a departing member whose seat has ended sees only their
own checklist (:func:`checklist_pack`); everyone else gets 404. The chair, the vice chair and the
administration make packs on demand; the system makes one when a membership ends (``actor_id``
None). The PDF is drawn by a job after the pack is committed (``handover.pdf``), never inside the
write; until it is stored, asking for it draws it from the frozen content (a read).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core import audit, jobs, notify
from boardkit.core.db import Database, utcnow
from boardkit.core.errors import Forbidden, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Action, Principal, can
from boardkit.core.storage import FileStore
from boardkit.handover import pdf as handover_pdf
from boardkit.handover import snapshot, sources
from boardkit.handover.models import REASONS, HandoverPack

__all__ = ["HandoverPack"]
from boardkit.org import service as org_service

PDF_JOB = "handover.pdf"
REMARK_MAX = 2000
# What the departing member confirms, each line ticked.
CHECK_LINES = ("returned", "handed_over", "nothing_open")


def check_line_labels() -> dict[str, str]:
    return {
        "returned": _("Nøgler, brikker og andre genstande er afleveret"),
        "handed_over": _("Materiale, adgange og viden er overdraget"),
        "nothing_open": _("Jeg har intet andet udestående for bestyrelsen"),
    }


# --- making a pack ---------------------------------------------------------------------------


def _membership(db: Session, *, board_id: int, person_id: int) -> org_service.Membership | None:
    """The person's latest membership of the board (a future one counts: a substitute moving up)."""
    M = org_service.Membership
    return db.scalar(
        select(M)
        .where(M.board_id == board_id, M.person_id == person_id)
        .order_by(M.start_date.desc())
        .limit(1)
    )


def _held_by(keys: list[Any] | None, held: set[int]) -> list[dict[str, str]]:
    """The keys and access items the departing member holds or knows (their checklist's items)."""
    f = sources.field
    return [
        {
            "kind": snapshot.kind_label(k),
            "label": str(f(k, "label", "")),
            "opens": str(f(k, "opens", "") or ""),
            "state": snapshot.key_state(f(k, "state")),
        }
        for k in keys or []
        if f(k, "id") in held
    ]


def generate(
    db: Session,
    *,
    board_id: int,
    actor_id: int | None,
    reason: str,
    departing_person_id: int | None = None,
    successor_person_id: int | None = None,
    as_of: date | None = None,
) -> HandoverPack:
    """Make a handover pack for the board and queue its PDF (``as_of``: the day it hands over, by
    default today; material dated later is left out).

    ``actor_id`` None: the system (a membership that ended, a confirmed transition) — nothing is
    checked about the actor. Otherwise the actor must manage the board (chair, vice chair,
    administration; 404 for anyone who cannot see the board, 403 for a member who may not).
    ``reason`` "change" is made once per departing membership: asking again gives the pack made
    before."""
    if reason not in REASONS:
        raise ValidationFailed(_("Ukendt anledning."), fields={"reason": _("Ukendt anledning.")})
    board = db.get(org_service.Board, board_id)
    if board is None:
        raise NotFound()
    if actor_id is not None:
        principal = org_service.build_principal(db, person_id=actor_id)
        org_service.get_board(db, principal=principal, board_id=board_id)  # 404 for outsiders
        if not may_generate(principal, board):
            raise Forbidden(
                _("Kun formanden, næstformanden og administrationen kan lave en overdragelsesmappe.")
            )
    departing = None
    if departing_person_id is not None:
        departing = _membership(db, board_id=board_id, person_id=departing_person_id)
        if departing is None:
            message = _("Den fratrædende har ikke siddet i bestyrelsen.")
            raise ValidationFailed(message, fields={"departing_person_id": message})
        if reason == "change":
            made = db.scalar(
                select(HandoverPack).where(
                    HandoverPack.board_id == board_id,
                    HandoverPack.reason == "change",
                    HandoverPack.departing_membership_id == departing.id,
                )
            )
            if made is not None:
                return made
    successor = None
    if successor_person_id is not None:
        successor = _membership(db, board_id=board_id, person_id=successor_person_id)
        if successor is None or successor_person_id == departing_person_id:
            message = _("Efterfølgeren skal være medlem eller suppleant i bestyrelsen.")
            raise ValidationFailed(message, fields={"successor_person_id": message})
    today = as_of or org_service.today()
    keys = sources.keys(db, board_id=board_id)
    parties = snapshot.Parties(
        departing_role=departing.role if departing else "",
        departing_since=departing.start_date if departing else None,
        successor_role=successor.role if successor else "",
    )
    content = snapshot.build(db, board=board, parties=parties, reason=reason, today=today, keys=keys)
    pack = HandoverPack(
        organisation_id=board.organisation_id,
        board_id=board.id,
        reason=reason,
        departing_membership_id=departing.id if departing else None,
        departing_person_id=departing_person_id,
        departing_role=departing.role if departing else "",
        successor_person_id=successor_person_id,
        created_by=actor_id,
        created_at=utcnow(),
        content=content,
        status="open",
        checklist=(
            {
                "items": _held_by(
                    keys, sources.keys_held_by(db, board_id=board_id, person_id=departing.person_id)
                ),
                "lines": dict.fromkeys(CHECK_LINES, False),
            }
            if departing
            else {}
        ),
    )
    db.add(pack)
    db.flush()
    audit.record(
        db,
        actor_id=actor_id,
        action="handover.generate",
        obj=pack,
        organisation_id=board.organisation_id,
        summary=_("Overdragelsesmappe for %(board)s", board=board.name),
        diff={"reason": reason, "departing_role": pack.departing_role, "successor": successor_person_id},
    )
    jobs.enqueue(db, PDF_JOB, {"pack_id": pack.id})
    return pack


def on_departure(db: Session, *, departure: org_service.Departure, settings: Settings) -> HandoverPack:
    """A member left the board (``org.on_membership_ended``): the pack for their seat, made once, and
    a notice to them (their checklist) and to the successor who took a seat as they left."""
    made_before = utcnow()
    pack = generate(
        db,
        board_id=departure.board_id,
        actor_id=None,
        reason="change",
        departing_person_id=departure.person_id,
        successor_person_id=departure.successor_id,
    )
    if pack.created_at < made_before:  # made already (the end's effects ran once more)
        return pack
    board = _board_of(db, pack)
    notices = [
        (
            departure.person_id,
            _("Tak for din tid i %(board)s: din tjekliste til overdragelsen", board=board.name),
            _(
                "Bekræft, at nøgler og adgange er afleveret, at materialet er overdraget, og at intet andet "
                "er åbent. Siden viser kun din tjekliste."
            ),
            f"/handover/{pack.id}/checklist",
        )
    ]
    if departure.successor_id is not None:
        notices.append(
            (
                departure.successor_id,
                _("Overdragelsesmappe til dig fra %(board)s", board=board.name),
                _(
                    "Mappen samler åbne sager, beslutninger, budget, kontrakter, nøgler, årshjul, "
                    "bibliotek og kontakter. Bekræft, at du har modtaget den."
                ),
                f"/handover/{pack.id}",
            )
        )
    for person_id, subject, body, link in notices:
        notify.send_notice(
            db,
            organisation_id=board.organisation_id,
            addressees=[notify.Addressee(person_id)],
            kind="handover",
            subject=subject,
            body=body,
            link_path=link,
            object_type="handover_pack",
            object_id=pack.id,
            reminder_days=7,
            settings=settings,
        )
    return pack


# --- reading -----------------------------------------------------------------------------------


def _board_of(db: Session, pack: HandoverPack) -> org_service.Board:
    board = db.get(org_service.Board, pack.board_id)
    assert board is not None
    return board


def may_see(db: Session, principal: Principal, pack: HandoverPack) -> bool:
    """The board's sitting members and administration, and the named successor."""
    if not principal.is_authenticated:
        return False
    if principal.person_id == pack.successor_person_id:
        return True
    return can(principal, Action.VIEW, org_service.board_resource(_board_of(db, pack)))


def get_pack(db: Session, *, principal: Principal, pack_id: int) -> HandoverPack:
    """A pack the principal may read; 404 otherwise (a departing member whose seat has ended too)."""
    pack = db.get(HandoverPack, pack_id)
    if pack is None or not may_see(db, principal, pack):
        raise NotFound()
    return pack


def checklist_pack(db: Session, *, principal: Principal, pack_id: int) -> HandoverPack:
    """The pack whose checklist is the principal's (they are its departing member); 404 otherwise."""
    pack = db.get(HandoverPack, pack_id)
    if pack is None or pack.departing_person_id is None or principal.person_id != pack.departing_person_id:
        raise NotFound()
    return pack


def list_packs(
    db: Session, *, principal: Principal, board_id: int
) -> tuple[org_service.Board, list[HandoverPack]]:
    """A board's packs, newest first (its members and administration; 404 for anyone else)."""
    board = org_service.get_board(db, principal=principal, board_id=board_id)
    packs = db.scalars(
        select(HandoverPack).where(HandoverPack.board_id == board.id).order_by(HandoverPack.created_at.desc())
    )
    return board, list(packs)


def may_generate(principal: Principal, board: org_service.Board) -> bool:
    return can(principal, Action.MANAGE, org_service.board_resource(board))


def may_confirm(principal: Principal, pack: HandoverPack) -> bool:
    return pack.departing_person_id is not None and principal.person_id == pack.departing_person_id


def may_acknowledge(principal: Principal, pack: HandoverPack) -> bool:
    """The named successor; without one, a sitting member of the board other than the departing."""
    if not principal.is_authenticated or principal.person_id == pack.departing_person_id:
        return False
    if pack.successor_person_id is not None:
        return principal.person_id == pack.successor_person_id
    return pack.board_id in principal.board_roles


def successor_candidates(db: Session, *, board_id: int) -> list[tuple[int, str, str]]:
    """(person id, name, role) of the board's current and coming members, for the chair's choice
    (the board's own page; the pack itself names nobody)."""
    today = org_service.today()
    seen: dict[int, tuple[int, str, str]] = {}
    for m in org_service.list_board_members(db, board_id=board_id):
        if (m.end_date is None or m.end_date >= today) and m.person.active:
            seen.setdefault(m.person_id, (m.person_id, m.person.name, org_service.role_name(m.role)))
    return sorted(seen.values(), key=lambda c: c[1])


# --- the checklist and the receipt -------------------------------------------------------------


def _status(pack: HandoverPack) -> str:
    checked = pack.confirmed_at is not None or pack.departing_person_id is None
    if checked and pack.acknowledged_at is not None:
        return "closed"
    if pack.acknowledged_at is not None:
        return "acknowledged"
    return "confirmed" if pack.confirmed_at is not None else "open"


def confirm_checklist(
    db: Session, *, principal: Principal, pack_id: int, ticked: Collection[str], remark: str = ""
) -> HandoverPack:
    """The departing member confirms every line of their checklist (with a remark). Confirming a
    confirmed checklist changes nothing."""
    pack = checklist_pack(db, principal=principal, pack_id=pack_id)
    if pack.confirmed_at is not None:
        return pack
    remark = remark.replace("\x00", "").strip()
    errors: dict[str, str] = {}
    missing = [line for line in CHECK_LINES if line not in set(ticked)]
    if missing:
        errors["lines"] = _("Sæt kryds ved hver linje, før du bekræfter.")
    if len(remark) > REMARK_MAX:
        errors["remark"] = _("Bemærkningen må højst være %(n)s tegn.", n=REMARK_MAX)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    pack.checklist = {**pack.checklist, "lines": dict.fromkeys(CHECK_LINES, True)}
    pack.remark = remark
    pack.confirmed_at = utcnow()
    pack.status = _status(pack)
    audit.record(
        db,
        actor_id=principal.person_id,
        action="handover.checklist",
        obj=pack,
        organisation_id=pack.organisation_id,
        summary=_("Tjekliste bekræftet"),
        diff={"lines": list(CHECK_LINES), "remark": bool(remark)},
    )
    return pack


def acknowledge(db: Session, *, principal: Principal, pack_id: int) -> HandoverPack:
    """The successor acknowledges receipt (404 for who cannot see the pack, 403-free: someone who
    may read it but is not the successor is refused with a message). Twice changes nothing."""
    pack = get_pack(db, principal=principal, pack_id=pack_id)
    if pack.acknowledged_at is not None:
        return pack
    if not may_acknowledge(principal, pack):
        message = _("Kun efterfølgeren kan bekræfte modtagelsen.")
        raise ValidationFailed(message, code="not_successor", fields={"pack": message})
    pack.acknowledged_at = utcnow()
    pack.acknowledged_by = principal.person_id
    pack.status = _status(pack)
    audit.record(
        db,
        actor_id=principal.person_id,
        action="handover.acknowledge",
        obj=pack,
        organisation_id=pack.organisation_id,
        summary=_("Modtagelse bekræftet"),
    )
    return pack


# --- the PDF -----------------------------------------------------------------------------------


def pdf_filename(pack: HandoverPack) -> str:
    return _(
        "Overdragelsesmappe - %(board)s - %(day)s.pdf",
        board=str(pack.content.get("board", "")),
        day=pack.created_at.date().isoformat(),
    )


def render(pack: HandoverPack) -> bytes:
    return handover_pdf.render(pack.content, created_at=pack.created_at)


def pack_pdf(
    db: Session, *, principal: Principal, pack_id: int, store: FileStore
) -> tuple[bytes, HandoverPack]:
    """The pack's PDF: the stored one, or drawn now from the frozen content (a read) while the job
    has not stored it yet."""
    pack = get_pack(db, principal=principal, pack_id=pack_id)
    if pack.pdf_sha256 and store.exists(pack.pdf_sha256):
        return store.get(pack.pdf_sha256), pack
    return render(pack), pack


def build_pdf(database: Database, payload: dict[str, Any], *, settings: Settings) -> str | None:
    """The ``handover.pdf`` job: draw in a read transaction, store, then record the file in a short
    write. Returns the file's sha256 (None for a pack that is gone)."""
    with database.transaction(readonly=True) as db:
        pack = db.get(HandoverPack, int(payload["pack_id"]))
        if pack is None:
            return None
        if pack.pdf_sha256:
            return pack.pdf_sha256
        data = render(pack)
    sha = FileStore(settings.files_dir).put(data)
    with database.transaction() as db:
        found = db.get(HandoverPack, int(payload["pack_id"]))
        if found is None:
            return None
        if found.pdf_sha256 is None:
            found.pdf_sha256 = sha
    return sha
