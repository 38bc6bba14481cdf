"""Who may fetch the organisation's onboarding videos, posters and caption tracks: its board
members and its administration (anyone else gets 404, exactly as for a file that does not exist)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.errors import NotFound
from boardkit.core.permissions import Principal
from boardkit.onboarding.models import Caption, Video
from boardkit.org import service as org_service


def may_watch(db: Session, principal: Principal, organisation_id: int) -> bool:
    if organisation_id in principal.staff_organisation_ids:
        return True
    boards = org_service.get_boards(db, ids=principal.board_roles).values()
    return any(b.organisation_id == organisation_id for b in boards)


def video(db: Session, *, principal: Principal, video_id: int) -> Video:
    found = db.get(Video, video_id)
    if found is None or not may_watch(db, principal, found.organisation_id):
        raise NotFound()
    return found


def caption(db: Session, *, principal: Principal, video_id: int, language: str) -> Caption:
    video(db, principal=principal, video_id=video_id)
    found = db.scalar(select(Caption).where(Caption.video_id == video_id, Caption.language == language))
    if found is None:
        raise NotFound()
    return found
