"""Mail that leaves: rendered into the outbox in the cause's transaction, delivered by a job.

With ``BOARDKIT_SMTP_URL`` unset, delivery writes ``.eml`` files under the data directory
instead (owner-only files, for development and demos), so a demo never loses a login link.

The outbox is also the mail log the administration reads (``/admin/mail``), so it never holds a
usable personal link (a login link, an RSVP answer, a notice's read receipt, a calendar feed):
the stored text has each link's secret part masked, and the secret parts themselves are kept
encrypted (:mod:`boardkit.core.crypto`, the server's secret key) only until the message is
delivered or given up, when they are wiped. The delivery puts them back into the text it sends.

Never twice (at most once), and as nearly as an SMTP client can, exactly once: the
``mail.deliver`` job records "sending" in a short transaction of its own once the SMTP server has
accepted the recipient, just before DATA, and "sent" in one short transaction (with the job's
"done") as soon as the server has answered. A worker that dies before "sending" (connecting,
MAIL, RCPT) leaves the message queued, and the job is run again by another worker once its lease
runs out (``BOARDKIT_JOB_LEASE_SECONDS``). A message that is still "sending" when its job comes
round again was in the hands of a worker that died in the one narrow window — while the server
was taking the message, or between its "250" and our commit (a millisecond) — or of a connection
that broke after the server had the whole message: it may have arrived, so it is not sent again
but marked "uncertain" for the administration, who can send again if need be. A refusal or a
broken connection before the message was handed over is retried as usual.

The package: ``outbox`` (queue and render), ``links`` (masking and sealing personal links),
``message`` (the MIME message) and ``delivery`` (SMTP or ``.eml`` files, the job). Other code
uses the names below from the package (``from boardkit.core import mail; mail.queue_mail(...)``);
modules inside the package import their siblings directly, never this ``__init__``.
"""

from boardkit.core.mail.delivery import (
    UNCERTAIN_CRASH,
    MaybeDelivered,
    Transport,
    make_deliver_handler,
    mark_failed,
)
from boardkit.core.mail.links import (
    MASK,
    MASKED_LINK,
    SEAL_PURPOSE,
    SECRET_LINK,
    SealBroken,
    deliverable,
    redact,
    seal,
)
from boardkit.core.mail.message import WIRE, build_message
from boardkit.core.mail.outbox import (
    DELIVER,
    Recipient,
    compose_mail,
    one_line,
    queue_mail,
    queue_rendered,
    render_mail,
)

__all__ = [
    "DELIVER",
    "MASK",
    "MASKED_LINK",
    "SEAL_PURPOSE",
    "SECRET_LINK",
    "UNCERTAIN_CRASH",
    "WIRE",
    "MaybeDelivered",
    "Recipient",
    "SealBroken",
    "Transport",
    "build_message",
    "compose_mail",
    "deliverable",
    "make_deliver_handler",
    "mark_failed",
    "one_line",
    "queue_mail",
    "queue_rendered",
    "redact",
    "render_mail",
    "seal",
]
