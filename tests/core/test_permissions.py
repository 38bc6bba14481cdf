"""The permission policy as a table: who may do what to which resource."""

from __future__ import annotations

import pytest

from boardkit.core.permissions import ANONYMOUS, Action, Audience, Principal, Resource, can, meeting_audience

ORG, OTHER_ORG = 1, 2
ENG, SOB = 10, 20  # departments: Engparken, Søbakken (both in ORG)
ENG_AB, SOB_AB, OB, ENG_COMMITTEE = 100, 200, 300, 400

chair_eng = Principal(
    person_id=1,
    board_roles={ENG_AB: "chair", OB: "member"},
    board_departments={ENG_AB: ENG, OB: None},
    resident_department_ids=frozenset({ENG}),
)
member_sob = Principal(
    person_id=2,
    board_roles={SOB_AB: "member"},
    board_departments={SOB_AB: SOB},
    resident_department_ids=frozenset({SOB}),
)
substitute_eng = Principal(person_id=3, board_roles={ENG_AB: "substitute"}, board_departments={ENG_AB: ENG})
resident_eng = Principal(person_id=4, resident_department_ids=frozenset({ENG}))
ended_member = Principal(person_id=5, resident_department_ids=frozenset({ENG}))  # membership ended: no roles
staff = Principal(person_id=6, staff_organisation_ids=frozenset({ORG}))
staff_other = Principal(person_id=7, staff_organisation_ids=frozenset({OTHER_ORG}))
staff_dept = Principal(person_id=8, staff_department_ids=frozenset({SOB}))

eng_public = Resource(ORG, ENG, ENG_AB, Audience.RESIDENTS)
eng_board = Resource(ORG, ENG, ENG_AB, Audience.BOARD)
eng_closed = Resource(ORG, ENG, ENG_AB, Audience.BOARD, closed=True)
eng_public_closed = Resource(ORG, ENG, ENG_AB, Audience.RESIDENTS, closed=True)
sob_public = Resource(ORG, SOB, SOB_AB, Audience.RESIDENTS)
sob_closed = Resource(ORG, SOB, SOB_AB, Audience.BOARD, closed=True)
ob_closed = Resource(ORG, None, OB, Audience.BOARD, closed=True)
staff_only = Resource(ORG, None, None, Audience.STAFF)

V, VC, M, A = Action.VIEW, Action.VIEW_CLOSED, Action.MANAGE, Action.ADMINISTER

TABLE = [
    # principal, action, resource, allowed
    (chair_eng, V, eng_board, True),
    (chair_eng, V, eng_closed, True),
    (chair_eng, M, eng_board, True),
    (chair_eng, V, ob_closed, True),
    (chair_eng, M, ob_closed, False),  # a plain member of the OB manages nothing there
    (chair_eng, V, sob_closed, False),
    (chair_eng, V, sob_public, False),  # not a resident of Søbakken
    (chair_eng, A, eng_board, False),
    (member_sob, V, sob_closed, True),
    (member_sob, M, sob_closed, False),
    (member_sob, V, eng_closed, False),  # Søbakken's board never sees Engparken's closed items
    (member_sob, V, eng_board, False),
    (member_sob, V, eng_public, False),
    (member_sob, V, sob_public, True),
    (substitute_eng, V, eng_board, True),
    (substitute_eng, V, eng_closed, False),
    (substitute_eng, VC, eng_closed, False),
    (resident_eng, V, eng_public, True),
    (resident_eng, V, eng_public_closed, False),
    (resident_eng, V, eng_board, False),
    (resident_eng, V, sob_public, False),  # another department's material
    (resident_eng, M, eng_public, False),
    (ended_member, V, eng_board, False),
    (ended_member, V, eng_closed, False),
    (ended_member, V, eng_public, True),  # still a resident
    (staff, V, eng_closed, True),
    (staff, M, sob_closed, True),
    (staff, A, staff_only, True),
    (staff, V, ob_closed, True),
    (staff_other, V, eng_public, False),
    (staff_other, A, eng_board, False),
    (staff_dept, V, sob_closed, True),
    (staff_dept, V, eng_public, False),
    (staff_dept, V, ob_closed, False),
    (ANONYMOUS, V, eng_public, False),
    (ANONYMOUS, V, staff_only, False),
]


@pytest.mark.parametrize(("principal", "action", "resource", "allowed"), TABLE)
def test_policy_table(principal: Principal, action: Action, resource: Resource, allowed: bool) -> None:
    assert can(principal, action, resource) is allowed


# A meeting is the department's residents' once announced: their department meetings and their
# department board's meetings (issue 12: board agendas and minutes are for the residents too).
AUDIENCE_TABLE = [
    # department meeting, department board's meeting, announced → audience
    (True, True, True, Audience.RESIDENTS),
    (False, True, True, Audience.RESIDENTS),  # a department board's own meeting
    (True, True, False, Audience.BOARD),  # not announced: the board's draft
    (False, True, False, Audience.BOARD),
    (False, False, True, Audience.BOARD),  # the organisation board, a committee
    (False, False, False, Audience.BOARD),
]


@pytest.mark.parametrize(("department_meeting", "department_board", "announced", "audience"), AUDIENCE_TABLE)
def test_who_a_meeting_is_for(
    department_meeting: bool, department_board: bool, announced: bool, audience: Audience
) -> None:
    got = meeting_audience(
        department_meeting=department_meeting, department_board=department_board, announced=announced
    )
    assert got is audience
    resource = Resource(ORG, ENG, ENG_AB, got)
    assert can(resident_eng, V, resource) is (audience is Audience.RESIDENTS)
    assert not can(resident_eng, V, Resource(ORG, ENG, ENG_AB, got, closed=True))  # never closed items
    assert can(substitute_eng, V, resource) and can(staff, V, resource)  # the board and staff always
