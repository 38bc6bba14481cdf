"""Residents' proposals for department meetings: the intake rules (who, until when), submitting,
the board's triage onto the agenda, and their pages. Other domains use ``proposals.service``."""
