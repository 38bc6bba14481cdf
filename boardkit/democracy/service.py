"""Resident democracy's public face for the rest of boardkit (the API, the demo, other domains).
It only re-exports; the domain's modules import each other directly and never this one."""

from __future__ import annotations

# The resident's voting pages (H4): the votes on the rolls that hold a person, for the home page.
from boardkit.democracy.ballot_reads import open_votes as open_votes

# Votes counted at the meeting, elections, the meeting's end and its digital decision (H2).
from boardkit.democracy.models import Question as Question
from boardkit.democracy.questions import CandidateInput as CandidateInput
from boardkit.democracy.questions import ElectionVoteInput as ElectionVoteInput
from boardkit.democracy.questions import VoteInput as VoteInput
from boardkit.democracy.questions import VotesState as VotesState
from boardkit.democracy.questions import end_meeting as end_meeting
from boardkit.democracy.questions import minutes_votes as minutes_votes
from boardkit.democracy.questions import record_digital_decision as record_digital_decision
from boardkit.democracy.questions import record_vote as record_vote
from boardkit.democracy.questions import result_of_election as result_of_election
from boardkit.democracy.questions import result_to_minutes as result_to_minutes
from boardkit.democracy.questions import votes_meeting as votes_meeting
from boardkit.democracy.questions import votes_state as votes_state

# isort: split
# The electoral roll and the check-in at the door (H1).
from boardkit.democracy.access import check_in_meeting as check_in_meeting
from boardkit.democracy.access import managed_meeting as managed_meeting
from boardkit.democracy.access import may_check_in as may_check_in
from boardkit.democracy.access import may_manage as may_manage
from boardkit.democracy.checkin import CheckInResult as CheckInResult
from boardkit.democracy.checkin import check_in as check_in
from boardkit.democracy.checkin import check_out as check_out
from boardkit.democracy.checkin import door_roll as door_roll
from boardkit.democracy.checkin import window_problem as check_in_problem  # noqa: F401
from boardkit.democracy.models import Roll as Roll
from boardkit.democracy.models import RollHousehold as RollHousehold
from boardkit.democracy.models import RollVoter as RollVoter
from boardkit.democracy.roll import Attendance as Attendance
from boardkit.democracy.roll import HouseholdState as HouseholdState
from boardkit.democracy.roll import attendance as attendance
from boardkit.democracy.roll import ensure_roll as ensure_roll
from boardkit.democracy.roll import get_roll as get_roll
from boardkit.democracy.roll import household_states as household_states
from boardkit.democracy.roll import search_households as search_households
from boardkit.democracy.roll import summary as roll_summary  # noqa: F401
from boardkit.democracy.roll import voter_for as voter_for

# isort: split
# Urafstemning: the meeting's demand or the board's call, paper ballots by code, the result (H5).
from boardkit.democracy.urafstemning import call as call_urafstemning  # noqa: F401
from boardkit.democracy.urafstemning import households_on_roll as urafstemning_households  # noqa: F401
from boardkit.democracy.urafstemning import outcome as urafstemning_outcome  # noqa: F401
from boardkit.democracy.urafstemning import register_paper_ballot as register_paper_ballot

# isort: split
# Digital voting after the meeting: casting online and by letter, the close and the tally (H3).
from boardkit.democracy.ballots import QuestionState as QuestionState
from boardkit.democracy.ballots import Receipt as Receipt
from boardkit.democracy.ballots import cast as cast
from boardkit.democracy.ballots import choice_keys as choice_keys
from boardkit.democracy.ballots import choice_label as choice_label
from boardkit.democracy.ballots import my_questions as my_questions
from boardkit.democracy.ballots import participation_list as participation_list
from boardkit.democracy.ballots import question_state as question_state
from boardkit.democracy.ballots import register_letter as register_letter
from boardkit.democracy.ballots import stored_ballots as stored_ballots
from boardkit.democracy.digital import open_digital as open_digital
from boardkit.democracy.tally import recompute as recompute
