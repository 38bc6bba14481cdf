"""Personal links in mail: masked in the stored text (the outbox is the mail log), their secret
parts sealed with the server's key until delivery, and put back into the text that is sent."""

from __future__ import annotations

import json
import re

from boardkit.core import crypto
from boardkit.core.models import OutboxEmail

# A link that acts for its holder without a login: its secret is the path segment after one of
# these (login link, RSVP answer, notice read receipt, calendar feed). Add new kinds here.
_SECRET_PATHS = r"(https?://[^\s\"'<>]*?/(?:login/link|rsvp|n|calendar)/)"


SECRET_LINK = re.compile(_SECRET_PATHS + r"([^\s\"'<>?#&]+)")


MASK = "********"


MASKED_LINK = re.compile(_SECRET_PATHS + re.escape(MASK) + r"(?![^\s\"'<>?#&])")


SEAL_PURPOSE = "outbox-links"


class SealBroken(ValueError):
    """The sealed links of a message cannot be opened (the secret key changed): it cannot be sent."""


def redact(text: str) -> str:
    """``text`` with the secret part of every personal link masked: what the mail log may show."""
    return SECRET_LINK.sub(lambda m: m.group(1) + MASK, text)


def seal(text: str, html: str, *, secret_key: str) -> tuple[str, str, str]:
    """(text, html) with personal links masked, and their secrets encrypted for the delivery ("" when
    there are none)."""
    found = [m.group(2) for body in (text, html) for m in SECRET_LINK.finditer(body)]
    if not found:
        return text, html, ""
    if not secret_key:
        raise ValueError(
            "a message with a personal link needs secret_key, so the link is not stored in clear"
        )
    sealed = crypto.encrypt(secret_key, json.dumps(found), purpose=SEAL_PURPOSE)
    return redact(text), redact(html), sealed


def deliverable(email: OutboxEmail, secret_key: str) -> tuple[str, str]:
    """The text and HTML as the recipient gets them: the masked links' secrets put back."""
    if not email.sealed:
        return email.body_text, email.body_html
    plain = crypto.decrypt(secret_key, email.sealed, purpose=SEAL_PURPOSE)
    if plain is None:
        raise SealBroken(f"the links of e-mail {email.id} cannot be unsealed (was the secret key changed?)")
    found = json.loads(plain)
    if sum(len(MASKED_LINK.findall(body)) for body in (email.body_text, email.body_html)) != len(found):
        raise SealBroken(f"the sealed links of e-mail {email.id} do not match its text")
    secrets_left = iter(found)

    def put_back(m: re.Match[str]) -> str:
        return m.group(1) + next(secrets_left)

    return MASKED_LINK.sub(put_back, email.body_text), MASKED_LINK.sub(put_back, email.body_html)
