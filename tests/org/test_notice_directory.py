"""The organisation's side of notices at the size of a whole large organisation."""

from __future__ import annotations

import pytest

from boardkit.core.db import Database
from boardkit.org import notice_directory

pytestmark = pytest.mark.postgres  # see tests/conftest.py


def test_a_notice_to_more_people_than_a_query_takes_parameters_looks_them_up_in_batches(
    demo: Database,
) -> None:
    """An organisation-wide notice to 100,000 people: one IN list of their ids would be more than
    PostgreSQL's 65,535 parameters (SQLite's 32,766), and the notice would fail."""
    with demo.transaction(readonly=True) as s:
        people = notice_directory.contacts(s, range(1, 100_001))
        homes = notice_directory.households(s, range(1, 100_001))
        letters = notice_directory.homes(s, range(1, 100_001))
    assert 0 < len(people) < 1_000 and all(c.id == i for i, c in people.items())  # the demo's people
    assert 0 < len(homes) < 1_000 and all(h.tenancy_id == i for i, h in homes.items())
    assert letters and all(len(h.resident_names) == 1 for h in letters.values())
