"""The minutes' public face for the rest of boardkit (the pages, the API, the meeting core's pages).

It only re-exports: the minutes' modules import each other directly and never this module.
"""

from __future__ import annotations

from boardkit.meetings.minutes.access import content_for as content_for
from boardkit.meetings.minutes.access import editable_minutes as editable_minutes
from boardkit.meetings.minutes.access import existing_minutes as existing_minutes
from boardkit.meetings.minutes.access import find_minutes as find_minutes
from boardkit.meetings.minutes.access import get_minutes as get_minutes
from boardkit.meetings.minutes.access import is_insider as is_insider
from boardkit.meetings.minutes.access import load_minutes as load_minutes
from boardkit.meetings.minutes.access import may_edit as may_edit
from boardkit.meetings.minutes.access import redacted as redacted
from boardkit.meetings.minutes.access import sees_closed as sees_closed
from boardkit.meetings.minutes.access import status_label as status_label
from boardkit.meetings.minutes.approval import approvals as approvals
from boardkit.meetings.minutes.approval import approve as approve
from boardkit.meetings.minutes.approval import approvers as approvers
from boardkit.meetings.minutes.approval import comment as comment
from boardkit.meetings.minutes.approval import comments as comments
from boardkit.meetings.minutes.approval import may_approve as may_approve
from boardkit.meetings.minutes.approval import on_minutes_approved as on_minutes_approved
from boardkit.meetings.minutes.approval import required_ids as required_ids
from boardkit.meetings.minutes.approval import submit as submit
from boardkit.meetings.minutes.content import ItemFacts as ItemFacts
from boardkit.meetings.minutes.content import ItemInput as ItemInput
from boardkit.meetings.minutes.content import MinutesInput as MinutesInput
from boardkit.meetings.minutes.content import blank_content as blank_content
from boardkit.meetings.minutes.content import build_content as build_content
from boardkit.meetings.minutes.content import election_sentence as election_sentence
from boardkit.meetings.minutes.content import record_meeting_facts as record_meeting_facts
from boardkit.meetings.minutes.content import save_minutes as save_minutes
from boardkit.meetings.minutes.content import vote_sentence as vote_sentence
from boardkit.meetings.minutes.decisions import BoardDecision as BoardDecision
from boardkit.meetings.minutes.decisions import decision_entry as decision_entry
from boardkit.meetings.minutes.decisions import decisions_of_board as decisions_of_board
from boardkit.meetings.minutes.decisions import get_decision as get_decision
from boardkit.meetings.minutes.decisions import list_decisions as list_decisions
from boardkit.meetings.minutes.decisions import may_set_status as may_set_status
from boardkit.meetings.minutes.decisions import set_status as set_decision_status  # noqa: F401
from boardkit.meetings.minutes.decisions import status_label as decision_status_label  # noqa: F401
from boardkit.meetings.minutes.decisions import sync_decisions as sync_decisions
from boardkit.meetings.minutes.election import ElectedInput as ElectedInput
from boardkit.meetings.minutes.election import ElectionInput as ElectionInput
from boardkit.meetings.minutes.election import ElectionResult as ElectionResult
from boardkit.meetings.minutes.election import SubstituteInput as SubstituteInput
from boardkit.meetings.minutes.election import board_changes as board_changes
from boardkit.meetings.minutes.election import default_leaving as default_leaving
from boardkit.meetings.minutes.election import election_result as election_result
from boardkit.meetings.minutes.election import has_election as has_election
from boardkit.meetings.minutes.followup import CarriedOverItem as CarriedOverItem
from boardkit.meetings.minutes.followup import carried_over_items as carried_over_items
from boardkit.meetings.minutes.pdf import minutes_pdf as minutes_pdf
from boardkit.meetings.minutes.pdf import pdf_response as pdf_response
from boardkit.meetings.minutes.publish import check_publish as check_publish
from boardkit.meetings.minutes.publish import mark_read as mark_read
from boardkit.meetings.minutes.publish import plan as plan_publication  # noqa: F401  (re-exported)
from boardkit.meetings.minutes.publish import publish as publish
from boardkit.meetings.minutes.publish import read_mark as read_mark
from boardkit.meetings.minutes.publish import read_stats as read_stats
from boardkit.meetings.minutes.versions import Change as Change
from boardkit.meetings.minutes.versions import diff_content as diff_content
from boardkit.meetings.minutes.versions import list_versions as list_versions
from boardkit.meetings.minutes.versions import version_diff as version_diff
from boardkit.meetings.minutes_models import DECISION_STATUSES as DECISION_STATUSES
