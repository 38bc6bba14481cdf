"""What core.notify needs from the domains, registered by them at start-up (core imports no domain).

* The **directory** (the ``org`` domain): people's contact details, households' addresses and
  where a person lives (for a letter to someone addressed on their own, e.g. a board member).
* The **paper channel** (the ``meetings`` domain): letters in the organisation's print batch.
* **Link pages** (optional, per ``Notice.object_type``): what a notice's personal link shows the
  person it was sent to without a login — public material only (published minutes, say).

The domains register both in their ``register`` (``boardkit.app.compose``: the app, the worker,
the CLI and the tests).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Contact:
    """One person as the notification service sees them."""

    id: int
    name: str
    email: str | None
    phone: str
    preferred_channel: str  # email, sms, digital_post or paper
    paper: bool  # asked for paper: the household's letter is their notice
    language: str
    active: bool = True
    external_id: str | None = None


@dataclass(frozen=True)
class Household:
    """One home: whether it asked for paper, who lives there (adults, today) and where it is."""

    tenancy_id: int
    paper: bool
    resident_names: tuple[str, ...]
    address_lines: tuple[str, ...]


@dataclass(frozen=True)
class PaperLetter:
    """One letter to one household about one notice."""

    notice_id: int
    organisation_id: int
    household: Household
    kind: str
    subject: str
    body: str
    link: str  # absolute URL of what the notice is about
    important: bool


# (ctx, object id, person id) → a response, or None when this person gets no page without a login.
LinkViewFn = Callable[[Any, int, int], Any]
ContactsFn = Callable[[Session, Collection[int]], dict[int, Contact]]
HouseholdsFn = Callable[[Session, Collection[int]], dict[int, Household]]
# Where people live, as a household addressed to them alone (person id → household).
HomesFn = Callable[[Session, Collection[int]], dict[int, Household]]
# Puts the letters in the print batch; returns each letter's id, in order.
PaperFn = Callable[[Session, Sequence[PaperLetter]], list[int]]


@dataclass
class _Registry:
    contacts: ContactsFn | None = None
    households: HouseholdsFn | None = None
    homes: HomesFn | None = None
    channels: dict[str, PaperFn] | None = None
    link_views: dict[str, LinkViewFn] | None = None


_REGISTRY = _Registry(channels={}, link_views={})


def register_directory(
    *, contacts: ContactsFn, households: HouseholdsFn, homes: HomesFn | None = None
) -> None:
    _REGISTRY.contacts = contacts
    _REGISTRY.households = households
    _REGISTRY.homes = homes


def register_channel(name: str, handler: PaperFn) -> None:
    """A channel a domain provides (today only ``paper``)."""
    assert _REGISTRY.channels is not None
    _REGISTRY.channels[name] = handler


def register_link_view(object_type: str, view: LinkViewFn) -> None:
    """The page a notice's link shows without a login for notices about ``object_type``."""
    assert _REGISTRY.link_views is not None
    _REGISTRY.link_views[object_type] = view


def link_view(object_type: str) -> LinkViewFn | None:
    return (_REGISTRY.link_views or {}).get(object_type)


def _missing(what: str) -> RuntimeError:
    return RuntimeError(f"core.notify has no {what}: call boardkit.app.compose() at start-up")


def contacts(db: Session, person_ids: Collection[int]) -> dict[int, Contact]:
    if _REGISTRY.contacts is None:
        raise _missing("directory")
    return _REGISTRY.contacts(db, person_ids) if person_ids else {}


def households(db: Session, tenancy_ids: Collection[int]) -> dict[int, Household]:
    if _REGISTRY.households is None:
        raise _missing("directory")
    return _REGISTRY.households(db, tenancy_ids) if tenancy_ids else {}


def homes(db: Session, person_ids: Collection[int]) -> dict[int, Household]:
    """The homes of people addressed on their own (no household given), each a letter to them alone."""
    if _REGISTRY.homes is None or not person_ids:
        return {}
    return _REGISTRY.homes(db, person_ids)


def paper(db: Session, letters: Sequence[PaperLetter]) -> list[int]:
    handler = (_REGISTRY.channels or {}).get("paper")
    if handler is None:
        raise _missing("paper channel")
    return handler(db, letters) if letters else []
