"""Resident democracy's public face for the rest of boardkit (the API, the demo, other domains).
It only re-exports; the domain's modules import each other directly and never this one."""

from __future__ import annotations

# The resident's voting pages (H4): the votes on the rolls that hold a person, for the home page.
from boardkit.democracy.ballot_reads import open_votes as open_votes
