"""Finding meetings, agenda items and files as a reader may see them: the loaders every part of
the meetings domain imports directly (404 for what the reader may not see, exactly like a missing row)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from boardkit.core.db import utcnow
from boardkit.core.errors import Forbidden, NotFound
from boardkit.core.i18n import _
from boardkit.core.permissions import Action, Principal, can
from boardkit.core.web import Ctx
from boardkit.meetings.access import meeting_resource
from boardkit.meetings.models import DEPARTMENT_KINDS, AgendaItem, Attachment, Meeting, Minutes
from boardkit.org import service as org_service


def get_meeting(
    db: Session, *, principal: Principal, meeting_id: int, action: Action = Action.VIEW
) -> Meeting:
    """A meeting the principal may see (or act on); 404 otherwise, exactly like a missing one."""
    meeting = db.get(Meeting, meeting_id, options=[joinedload(Meeting.board)])
    if meeting is None or not can(principal, Action.VIEW, meeting_resource(meeting)):
        raise NotFound()
    if action is not Action.VIEW and not can(principal, action, meeting_resource(meeting)):
        raise Forbidden(_("Kun formanden og administrationen kan ændre mødet."))
    return meeting


def get_item(db: Session, *, principal: Principal, item_id: int, action: Action = Action.VIEW) -> AgendaItem:
    item = db.get(AgendaItem, item_id, options=[joinedload(AgendaItem.meeting).joinedload(Meeting.board)])
    if item is None:
        raise NotFound()
    resource = meeting_resource(item.meeting, closed=item.closed)
    if not can(principal, Action.VIEW, resource):
        raise NotFound()
    if action is not Action.VIEW and not can(principal, action, resource):
        raise Forbidden(_("Kun formanden og administrationen kan ændre dagsordenen."))
    return item


def get_attachment(db: Session, *, principal: Principal, attachment_id: int) -> Attachment:
    attachment = db.get(Attachment, attachment_id)
    if attachment is None or attachment.agenda_item_id is None:
        raise NotFound()
    get_item(db, principal=principal, item_id=attachment.agenda_item_id)
    return attachment


def list_meetings(
    db: Session,
    *,
    principal: Principal,
    board_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 200,
) -> list[Meeting]:
    """Meetings the principal may see: their boards', their departments' meetings, staff's organisations'."""
    M = Meeting
    conditions: list[ColumnElement[bool]] = [M.board_id.in_(list(principal.board_roles))]
    departments = set(principal.resident_department_ids)
    departments |= {d for d in principal.board_departments.values() if d is not None}
    if departments:
        conditions.append(residents_clause(departments))
    boards = org_service.visible_board_ids(db, principal=principal)
    if boards:
        conditions.append(M.board_id.in_(boards))
    q = select(M).options(joinedload(M.board)).where(or_(*conditions))
    if board_id is not None:
        q = q.where(M.board_id == board_id)
    if start is not None:
        q = q.where(M.ends_at >= start)
    if end is not None:
        q = q.where(M.starts_at < end)
    return list(db.scalars(q.order_by(M.starts_at, M.id).limit(limit)).unique())


def residents_clause(department_ids: Iterable[int]) -> ColumnElement[bool]:
    """The meetings these departments' residents see, as SQL (the rule of ``permissions.meeting_audience``):
    announced department meetings of the department and announced meetings of its own board
    (announced: invitations sent, or minutes published — ``access.is_announced``)."""
    ids = sorted(department_ids)
    board = org_service.Board
    own_boards = select(board.id).where(board.kind == "department_board", board.department_id.in_(ids))
    published = select(Minutes.meeting_id).where(Minutes.status == "published")
    return (Meeting.invited_at.is_not(None) | Meeting.id.in_(published)) & or_(
        Meeting.department_id.in_(ids) & Meeting.kind.in_(DEPARTMENT_KINDS),
        Meeting.board_id.in_(own_boards),
    )


def list_resident_meetings(
    db: Session,
    *,
    department_id: int,
    start: datetime | None = None,
    end: datetime | None = None,
    newest_first: bool = False,
    limit: int = 200,
) -> list[Meeting]:
    """What the department's residents see: its announced department meetings and its board's
    announced meetings (cancelled ones too, shown as cancelled), by time; ``start``/``end`` filter
    on the meeting's end and start. The caller checks that the reader may see the department."""
    M = Meeting
    q = select(M).options(joinedload(M.board)).where(residents_clause([department_id]))
    if start is not None:
        q = q.where(M.ends_at >= start)
    if end is not None:
        q = q.where(M.starts_at < end)
    order = (M.starts_at.desc(), M.id.desc()) if newest_first else (M.starts_at, M.id)
    return list(db.scalars(q.order_by(*order).limit(limit)).unique())


def upcoming_by_board(
    db: Session, *, board_ids: Iterable[int], per_board: int = 3, now: datetime | None = None
) -> dict[int, list[Meeting]]:
    """The next few meetings of each board, in one query (a window over the boards)."""
    ids = list(board_ids)
    if not ids:
        return {}
    now = now or utcnow()
    ranked = (
        select(
            Meeting.id,
            func.row_number().over(partition_by=Meeting.board_id, order_by=Meeting.starts_at).label("n"),
        )
        .where(Meeting.board_id.in_(ids), Meeting.ends_at >= now, Meeting.status != "cancelled")
        .subquery()
    )
    meetings = db.scalars(
        select(Meeting)
        .join(ranked, ranked.c.id == Meeting.id)
        .where(ranked.c.n <= per_board)
        .order_by(Meeting.starts_at)
    )
    result: dict[int, list[Meeting]] = defaultdict(list)
    for m in meetings:
        result[m.board_id].append(m)
    return result


def find_clashes(
    db: Session, *, board_id: int, starts_at: datetime, ends_at: datetime, exclude_id: int | None = None
) -> list[Meeting]:
    """The board's other meetings (not cancelled) whose time overlaps ``starts_at``–``ends_at``.

    A clash is a warning the chair may proceed past (two meetings on one evening can be intended),
    so creating and moving meetings never refuse one; the pages ask first.
    """
    q = select(Meeting).where(
        Meeting.board_id == board_id,
        Meeting.status != "cancelled",
        Meeting.starts_at < ends_at.astimezone(UTC),
        Meeting.ends_at > starts_at.astimezone(UTC),
    )
    if exclude_id is not None:
        q = q.where(Meeting.id != exclude_id)
    return list(db.scalars(q.order_by(Meeting.starts_at, Meeting.id)))


def previous_meeting(db: Session, meeting: Meeting) -> Meeting | None:
    return db.scalar(
        select(Meeting)
        .where(
            Meeting.board_id == meeting.board_id,
            Meeting.starts_at < meeting.starts_at,
            Meeting.id != meeting.id,
            Meeting.status != "cancelled",
            Meeting.kind == meeting.kind,
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )


def load_agenda(db: Session, meeting: Meeting) -> Meeting:
    """Load a meeting's items and their attachments in two queries."""
    db.execute(
        select(AgendaItem)
        .options(selectinload(AgendaItem.attachments))
        .where(AgendaItem.meeting_id == meeting.id)
    ).all()
    return meeting


def meeting_for(ctx: Ctx, action: Action = Action.VIEW) -> Meeting:
    """The meeting of the request's ``meeting_id``, for a signed-in reader allowed ``action`` on it
    (404 otherwise): the one loader every meeting page uses."""
    ctx.require_login()
    return get_meeting(ctx.db, principal=ctx.principal, meeting_id=ctx.int_param("meeting_id"), action=action)
