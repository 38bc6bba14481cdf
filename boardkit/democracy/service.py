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
