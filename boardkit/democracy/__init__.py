"""Resident democracy (issue 18): the department meeting's electoral roll and check-in, votes with
two units per household counted at the meeting, digital voting within 7 days after it, secret
ballots kept apart from the participation register, and urafstemning of all households."""
