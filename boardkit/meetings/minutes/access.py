"""Who may read and write minutes, finding them, and what a reader sees of their content."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.errors import Forbidden, NotFound
from boardkit.core.i18n import _
from boardkit.core.permissions import Action, Audience, Principal, can
from boardkit.meetings import access, lookup
from boardkit.meetings.models import Meeting, Minutes


def is_insider(principal: Principal, meeting: Meeting) -> bool:
    """The board's members (substitutes too) and the administration: they see minutes before publishing."""
    return can(principal, Action.VIEW, replace(access.meeting_resource(meeting), audience=Audience.BOARD))


def sees_closed(principal: Principal, meeting: Meeting) -> bool:
    return access.can_see_closed(principal, meeting)


def may_edit(principal: Principal, meeting: Meeting, minutes: Minutes | None) -> bool:
    """The chair (and vice chair), the administration, and the board member named as minute taker."""
    if access.can_manage(principal, meeting):
        return True
    taker = (minutes.content or {}).get("minute_taker_id") if minutes is not None else None
    return taker is not None and taker == principal.person_id and meeting.board_id in principal.board_roles


def find_minutes(db: Session, *, meeting_id: int) -> Minutes | None:
    return db.scalar(select(Minutes).where(Minutes.meeting_id == meeting_id))


def get_minutes(db: Session, *, principal: Principal, meeting_id: int) -> tuple[Meeting, Minutes | None]:
    """A meeting and its minutes as this reader may see them: the board and the administration
    always (``None`` while there are none), everybody else only published minutes (404 before)."""
    meeting = lookup.get_meeting(db, principal=principal, meeting_id=meeting_id)
    minutes = find_minutes(db, meeting_id=meeting.id)
    if not is_insider(principal, meeting) and (minutes is None or minutes.status != "published"):
        raise NotFound()
    return meeting, minutes


def load_minutes(db: Session, *, principal: Principal, meeting_id: int) -> tuple[Meeting, Minutes | None]:
    """The one loader of the minutes' pages and API: ``get_minutes`` with the meeting's agenda loaded."""
    meeting, minutes = get_minutes(db, principal=principal, meeting_id=meeting_id)
    lookup.load_agenda(db, meeting)
    return meeting, minutes


def existing_minutes(db: Session, *, principal: Principal, meeting_id: int) -> tuple[Meeting, Minutes]:
    """``load_minutes`` for an action on written minutes: 404 ``minutes_not_found`` while there are none."""
    meeting, minutes = load_minutes(db, principal=principal, meeting_id=meeting_id)
    if minutes is None:
        raise NotFound(_("Der er ikke skrevet et referat af mødet endnu."), code="minutes_not_found")
    return meeting, minutes


def editable_minutes(db: Session, *, principal: Principal, meeting_id: int) -> tuple[Meeting, Minutes | None]:
    """``load_minutes`` for the writing form: 403 unless this person may write the minutes."""
    meeting, minutes = load_minutes(db, principal=principal, meeting_id=meeting_id)
    require_edit(
        principal, meeting, minutes, _("Kun formanden, referenten og administrationen kan skrive referatet.")
    )
    return meeting, minutes


def require_edit(principal: Principal, meeting: Meeting, minutes: Minutes | None, message: str) -> None:
    """403 with ``message`` unless this person may write the minutes (``may_edit``)."""
    if not may_edit(principal, meeting, minutes):
        raise Forbidden(message)


# --- content --------------------------------------------------------------------------------


def redacted(
    content: dict[str, Any], *, residents: bool = True, person_cases: Collection[int] = ()
) -> dict[str, Any]:
    """The content for a reader who may not see closed items: a closed item keeps its number and
    nothing else ("Lukket punkt"); for residents a person or complaint case is left out entirely
    (flagged in the content, or on the agenda item since: ``person_cases``, item ids)."""

    def person_case(i: dict[str, Any]) -> bool:
        return bool(i.get("closed") and (i.get("person_case") or i.get("agenda_item_id") in person_cases))

    items = [
        {"agenda_item_id": i["agenda_item_id"], "number": i["number"], "closed": True, "redacted": True}
        if i.get("closed")
        else i
        for i in content.get("items", [])
        if not (residents and person_case(i))
    ]
    return {**content, "items": items}


def content_for(principal: Principal, meeting: Meeting, content: dict[str, Any]) -> dict[str, Any]:
    """The minutes' content as this reader may see it."""
    if sees_closed(principal, meeting):
        return content
    cases = {item.id for item in meeting.items if item.person_case}
    return redacted(content, residents=not is_insider(principal, meeting), person_cases=cases)


def status_label(status: str) -> str:
    return {
        "draft": _("kladde"),
        "submitted": _("til godkendelse"),
        "approved": _("godkendt"),
        "published": _("udgivet"),
    }.get(status, status)
