"""Who runs a department meeting's democracy: the roll, the check-in at the door, the counts.

Managers (make the roll, record counts, open digital votes, register letter votes): the
administration of the organisation (or department) and the department board's chair and vice
chair, exactly as ``meetings.service.can_manage`` says. Door keepers (check voters in and out):
the managers and the department board's members (not its substitutes). A resident or a stranger
gets 404, as if the roll did not exist; a board member who may check in but not manage gets 403
on managing.

Only department meetings (``meeting.is_department_meeting``) have a roll; any other meeting is 404.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from boardkit.core.errors import Forbidden, NotFound
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal, is_staff_for
from boardkit.meetings import service as meetings_service
from boardkit.meetings.service import Meeting


def may_manage(principal: Principal, meeting: Meeting) -> bool:
    """The administration and the department board's chair and vice chair."""
    return meeting.is_department_meeting and meetings_service.can_manage(principal, meeting)


def may_check_in(principal: Principal, meeting: Meeting) -> bool:
    """The managers and the department board's sitting members (substitutes are not)."""
    if not meeting.is_department_meeting or not principal.is_authenticated:
        return False
    if may_manage(principal, meeting):
        return True
    role = principal.board_roles.get(meeting.board_id)
    return role is not None and role != "substitute"


def _is_insider(principal: Principal, meeting: Meeting) -> bool:
    """Someone who may know the roll exists: the board's members (substitutes too) and the staff."""
    resource = meetings_service.meeting_resource(meeting)
    return is_staff_for(principal, resource) or principal.board_roles.get(meeting.board_id) is not None


def _department_meeting(db: Session, principal: Principal, meeting_id: int) -> Meeting:
    """The department meeting (404 for any other meeting and for whoever may not see it)."""
    meeting = meetings_service.get_meeting(db, principal=principal, meeting_id=meeting_id)
    if not meeting.is_department_meeting:
        raise NotFound()
    return meeting


def check_in_meeting(db: Session, principal: Principal, meeting_id: int) -> Meeting:
    """The meeting, when ``principal`` may see its roll and check voters in (404 for residents and
    strangers; 403 for a substitute of the board)."""
    meeting = _department_meeting(db, principal, meeting_id)
    if may_check_in(principal, meeting):
        return meeting
    if _is_insider(principal, meeting):
        raise Forbidden(_("Kun bestyrelsens medlemmer og administrationen kan registrere fremmødte."))
    raise NotFound()


def managed_meeting(db: Session, principal: Principal, meeting_id: int) -> Meeting:
    """The meeting, when ``principal`` manages its democracy (404 for residents and strangers; 403
    for board members who may check in but not manage)."""
    meeting = _department_meeting(db, principal, meeting_id)
    if may_manage(principal, meeting):
        return meeting
    if _is_insider(principal, meeting):
        raise Forbidden(
            _("Kun formanden, næstformanden og administrationen kan styre afstemninger og valglisten.")
        )
    raise NotFound()


def require_manager(principal: Principal, meeting: Meeting) -> None:
    """For a meeting already loaded: 403 unless ``principal`` manages it (404 for outsiders)."""
    if may_manage(principal, meeting):
        return
    if meeting.is_department_meeting and _is_insider(principal, meeting):
        raise Forbidden(
            _("Kun formanden, næstformanden og administrationen kan styre afstemninger og valglisten.")
        )
    raise NotFound()


def may_view_manage(principal: Principal, meeting: Meeting) -> bool:
    """Whether to show the managers' links on the meeting page (roll, check-in, votes)."""
    return may_check_in(principal, meeting)
