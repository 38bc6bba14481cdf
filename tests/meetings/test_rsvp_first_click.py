"""RSVP from the e-mail: the link's page carries the answer in a form its script submits at once (the
first click records it, see tests/browser/test_resident_home.py), while a GET alone (a mail scanner)
records nothing; afterwards the link shows the answer recorded and the buttons to change it."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from boardkit.config import Settings
from boardkit.core.db import Database
from tests.helpers import csrf_from, person_id
from tests.meetings.meeting_env import RESIDENT, make_meeting
from tests.meetings.test_rsvp import answers, invite_all, link_in_mail


def autosubmit(html: str) -> dict[str, str] | None:
    """The fields of the page's self-submitting form, or None when it has none."""
    found = re.search(r"<form[^>]*data-autosubmit[^>]*>(.*?)</form>", html, re.S)
    if found is None:
        return None
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', found.group(1)))


def test_the_link_records_on_the_first_click_and_a_scanner_records_nothing(
    client: TestClient, demo: Database, settings: Settings
) -> None:
    meeting_id = make_meeting(demo, days=40, kind="ordinary_department")
    invite_all(demo, settings, meeting_id)
    path = link_in_mail(demo, RESIDENT)
    resident = person_id(demo, RESIDENT)

    for response in ("accepted", "declined", "tentative"):  # a scanner fetches every link in the mail
        page = client.get(f"{path}?response={response}")
        assert page.status_code == 200 and autosubmit(page.text) is not None
    assert answers(demo, meeting_id) == {}

    page = client.get(f"{path}?response=accepted")  # the person's click
    fields = autosubmit(page.text)
    assert fields == {"csrf_token": csrf_from(page.text), "response": "accepted"}
    assert "Dit svar registreres: Ja, jeg kommer" in page.text
    assert f'data-clean-url="{path}"' in page.text  # the script drops ?response= from the address first
    r = client.post(path, data=fields, follow_redirects=False)  # what the page's script sends at once
    assert r.status_code == 303 and r.headers["location"] == f"{path}?recorded=1"
    assert answers(demo, meeting_id) == {resident: "accepted"}

    shown = client.get(r.headers["location"]).text
    assert "Tak for dit svar" in shown and "Vi har noteret: Ja, jeg kommer." in shown
    assert autosubmit(shown) is None and "Skift svar" in shown
    assert re.search(r'value="accepted" class="button [\w-]+" aria-current="true"', shown)
    assert shown.count('name="response"') == 3  # the buttons to change it

    # The same link again: the answer shows as recorded, nothing is submitted again.
    again = client.get(f"{path}?response=accepted").text
    assert autosubmit(again) is None and "Vi har noteret: Ja, jeg kommer." in again
    # The "Nej" link of the same mail later: that is a new answer, recorded the same way.
    page = client.get(f"{path}?response=declined")
    fields = autosubmit(page.text)
    assert fields is not None and fields["response"] == "declined"
    client.post(path, data=fields)
    assert answers(demo, meeting_id) == {resident: "declined"}
