"""The audit log as people read it: what happened in words, the object by its name with a link,
changed fields by their label and values as the rest of the app shows them (dates, kroner, roles,
people and boards by name) — never raw JSON or ids where a name is known.

The filters (who, what, which object, from–to) and their choices are described here too; the page
is ``system_views.audit_log``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core import audit, i18n
from boardkit.core.i18n import _
from boardkit.core.models import AuditEntry
from boardkit.core.templating import TZ, fmt_date, fmt_datetime, fmt_money, fmt_number
from boardkit.org.models import Department

# --- what happened ------------------------------------------------------------------------

# "What" filter: a group of actions (exact names, or prefixes ending in ".").
GROUPS: dict[str, tuple[Callable[[], str], tuple[str, ...]]] = {
    "people": (
        lambda: _("Personer og adgang"),
        ("person.", "login", "sessions.", "api_token.", "calendar_feed."),
    ),
    "boards": (lambda: _("Bestyrelser og medlemskaber"), ("board.", "membership.")),
    "meetings": (lambda: _("Møder, dagsorden og bilag"), ("meeting.", "agenda_item.", "attachment.")),
    "invitations": (lambda: _("Indkaldelser sendt"), ("meeting.invitations_sent",)),
    "minutes": (lambda: _("Referater"), ("minutes.",)),
    "proposals": (lambda: _("Forslag"), ("proposal.",)),
    "expenses": (lambda: _("Udlæg"), ("expense.",)),
    "letters": (lambda: _("Breve til print"), ("print_batch.",)),
    "import": (lambda: _("Import af stamdata"), ("import",)),
    "democracy": (lambda: _("Afstemninger"), ("democracy.", "organisation.democracy_rules")),
}


def action_label(action: str) -> str:
    labels = {
        "person.create": _("Person oprettet"),
        "person.update": _("Person ændret"),
        "person.password": _("Adgangskode sat"),
        "login": _("Logget ind"),
        "sessions.revoke_all": _("Logget ud alle steder"),
        "api_token.create": _("API-token oprettet"),
        "api_token.revoke": _("API-token tilbagekaldt"),
        "calendar_feed.regenerate": _("Nyt kalenderlink"),
        "board.create": _("Bestyrelse oprettet"),
        "membership.create": _("Medlem tilføjet"),
        "membership.update": _("Medlemskab ændret"),
        "meeting.create": _("Møde oprettet"),
        "meeting.update": _("Møde ændret"),
        "meeting.cancel": _("Møde aflyst"),
        "meeting.notice_override": _("Kort varsel begrundet"),
        "meeting.pack_publish": _("Mødemappe udgivet"),
        "meeting.invitations_sent": _("Indkaldelse sendt"),
        "meeting.rsvp": _("Svar på indkaldelse"),
        "agenda_item.create": _("Dagsordenspunkt tilføjet"),
        "agenda_item.update": _("Dagsordenspunkt ændret"),
        "agenda_item.delete": _("Dagsordenspunkt slettet"),
        "attachment.create": _("Bilag tilføjet"),
        "attachment.replace": _("Bilag udskiftet"),
        "attachment.delete": _("Bilag slettet"),
        "minutes.create": _("Referat påbegyndt"),
        "minutes.update": _("Referat ændret"),
        "minutes.submit": _("Referat sendt til godkendelse"),
        "minutes.approve": _("Referat godkendt"),
        "minutes.publish": _("Referat udgivet"),
        "proposal.submit": _("Forslag indsendt"),
        "proposal.update": _("Forslag ændret"),
        "proposal.decide": _("Forslag behandlet"),
        "print_batch.close": _("Brevbatch afsluttet"),
        "print_batch.printed": _("Brevbatch printet"),
        "import": _("Stamdata importeret"),
        "expense.create": _("Udlæg oprettet"),
        "expense.update": _("Udlæg rettet"),
        "expense.line.add": _("Udlæg: linje tilføjet"),
        "expense.line.update": _("Udlæg: linje rettet"),
        "expense.line.delete": _("Udlæg: linje slettet"),
        "expense.submit": _("Udlæg sendt til attestation"),
        "expense.attest": _("Udlæg attesteret"),
        "expense.return": _("Udlæg sendt tilbage til rettelse"),
        "expense.approve.first": _("Udlæg: første godkendelse"),
        "expense.approve": _("Udlæg godkendt"),
        "expense.reject": _("Udlæg afvist"),
        "expense.export": _("Udlæg sendt til bogføring"),
        "expense.pay": _("Udlæg udbetalt"),
        "expense.flag.decide": _("Udlæg: mulig dublet afgjort"),
        "expense.delete": _("Udlæg slettet"),
        "retention.deleted": _("Slettet efter opbevaringsreglerne"),
        "democracy.roll_made": _("Valgliste lavet"),
        "democracy.roll_remade": _("Valgliste lavet igen"),
        "democracy.checked_in": _("Tjekket ind"),
        "democracy.checked_out": _("Tjekket ud"),
        "democracy.vote_recorded": _("Afstemning optalt på mødet"),
        "democracy.vote_corrected": _("Optælling rettet"),
        "democracy.meeting_ended": _("Mødets afslutning registreret"),
        "democracy.digital_decided": _("Beslutning om digital afstemning"),
        "democracy.open_digital": _("Digital afstemning åbnet"),
        "democracy.letter_vote": _("Brevstemme registreret"),
        "democracy.close": _("Afstemning lukket og optalt"),
        "democracy.urafstemning.call": _("Urafstemning udskrevet"),
        "democracy.urafstemning.paper_ballot": _("Stemmeseddel fra urafstemning registreret"),
        "democracy.urafstemning.result": _("Resultat af urafstemning sendt"),
        "organisation.democracy_rules": _("Regler for afstemninger ændret"),
    }
    return labels.get(action, action)


def object_types() -> dict[str, str]:
    """The "which object" filter's choices."""
    return {
        "person": _("Person"),
        "board": _("Bestyrelse"),
        "membership": _("Medlemskab"),
        "meeting": _("Møde"),
        "agenda_item": _("Dagsordenspunkt"),
        "attachment": _("Bilag"),
        "minutes": _("Referat"),
        "proposal": _("Forslag"),
        "expense_claim": _("Udlæg"),
        "print_batch": _("Brevbatch"),
        "api_token": _("API-token"),
        "organisation": _("Organisation"),
    }


# --- changed fields --------------------------------------------------------------------------


def field_label(key: str) -> str:
    labels = {
        "name": _("Navn"),
        "email": _("E-mail"),
        "phone": _("Mobilnummer"),
        "preferred_channel": _("Kanal"),
        "paper": _("Papir"),
        "language": _("Sprog"),
        "active": _("Aktiv"),
        "role": _("Rolle"),
        "start_date": _("Start"),
        "end_date": _("Slut"),
        "kind": _("Type"),
        "department_id": _("Afdeling"),
        "board_id": _("Bestyrelse"),
        "person_id": _("Person"),
        "title": _("Titel"),
        "starts_at": _("Starttidspunkt"),
        "ends_at": _("Sluttidspunkt"),
        "location": _("Sted"),
        "room": _("Lokale"),
        "online_url": _("Onlinemøde"),
        "status": _("Status"),
        "description": _("Beskrivelse"),
        "closed": _("Lukket punkt"),
        "presenter": _("Fremlægger"),
        "minutes_allotted": _("Minutter"),
        "position": _("Rækkefølge"),
        "response": _("Svar"),
        "text": _("Tekst"),
        "reason": _("Begrundelse"),
        "amount_ore": _("Beløb"),
        "vat_ore": _("Moms"),
        "spent_on": _("Dato"),
        "purpose": _("Formål"),
        "account": _("Konto"),
        "bank": _("Bankkonto"),
        "km_tenths": _("Km"),
        "from_place": _("Fra"),
        "to_place": _("Til"),
        "stops": _("Via"),
        "vehicle": _("Køretøj"),
        "decision": _("Afgørelse"),
        "other_claim": _("Andet udlæg"),
        "emails": _("E-mails"),
        "letters": _("Breve"),
        "unreachable": _("Uden adresse"),
        "counts": _("Antal"),
        "ids": _("Id'er"),
        "day": _("Dag"),
    }
    return labels.get(key, key.replace("_", " ").capitalize())


def _status_label(object_type: str, value: str) -> str:
    by_type = {
        "expense_claim": {
            "draft": _("Kladde"),
            "submitted": _("Til attestation"),
            "attested": _("Til godkendelse"),
            "approved": _("Godkendt"),
            "rejected": _("Afvist"),
            "exported": _("Sendt til bogføring"),
            "paid": _("Udbetalt"),
        },
        "meeting": {
            "planned": _("Planlagt"),
            "invited": _("Indkaldt"),
            "held": _("Afholdt"),
            "cancelled": _("Aflyst"),
        },
        "minutes": {
            "draft": _("Kladde"),
            "submitted": _("Til godkendelse"),
            "approved": _("Godkendt"),
            "published": _("Udgivet"),
        },
        "proposal": {
            "received": _("Modtaget"),
            "accepted": _("Sat på dagsordenen"),
            "rejected": _("Afvist"),
            "needs_clarification": _("Skal uddybes"),
        },
        "print_batch": {"open": _("Åben"), "closed": _("Afsluttet"), "printed": _("Printet")},
    }
    return by_type.get(object_type, {}).get(value, value)


def _choice(key: str, value: str, object_type: str) -> str | None:
    """A stored code as its label, or None when the key holds no code."""
    if key == "status":
        return _status_label(object_type, value)
    choices: dict[str, dict[str, str]] = {
        "role": {
            "chair": _("Formand"),
            "vice_chair": _("Næstformand"),
            "treasurer": _("Kasserer"),
            "member": _("Medlem"),
            "substitute": _("Suppleant"),
            "tenant": _("Lejer"),
            "household_member": _("Husstandsmedlem"),
            "subtenant": _("Fremlejer"),
        },
        "preferred_channel": {
            "email": _("E-mail"),
            "sms": _("SMS"),
            "digital_post": _("Digital Post"),
            "paper": _("Brev på papir"),
        },
        "language": dict(i18n.LANGUAGES),
        "vehicle": {"car": _("Bil"), "bicycle": _("Cykel")},
        "decision": {"duplicate": _("dublet"), "not_duplicate": _("ikke en dublet")},
        "bank": {"changed": _("ændret (vises ikke)")},
        "response": {"accepted": _("Deltager"), "declined": _("Deltager ikke"), "tentative": _("Måske")},
        "kind": {
            "department_board": _("Afdelingsbestyrelse"),
            "organisation_board": _("Organisationsbestyrelse"),
            "committee": _("Udvalg"),
            "board": _("Bestyrelsesmøde"),
            "ordinary_department": _("Ordinært afdelingsmøde"),
            "extraordinary_department": _("Ekstraordinært afdelingsmøde"),
            "information": _("Orientering"),
            "discussion": _("Drøftelse"),
            "decision": _("Beslutning"),
            "receipt": _("Bilag"),
            "mileage": _("Kørsel"),
        },
    }
    return choices.get(key, {}).get(value)


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass
class _Names:
    """Ids in changed fields, by what they point to, and their names once looked up."""

    ids: dict[str, set[int]]
    names: dict[tuple[str, int], str]

    def name(self, kind: str, value: int) -> str:
        return self.names.get((kind, value), "") or _("nr. %(n)s (findes ikke længere)", n=value)


ID_FIELDS = {"department_id": "department", "board_id": "board", "person_id": "person"}


def show(key: str, value: Any, object_type: str, names: _Names) -> str:
    """One stored value as the app shows it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("ja") if value else _("nej")
    if key in ID_FIELDS and isinstance(value, int):
        return names.name(ID_FIELDS[key], value)
    if isinstance(value, int | float):
        if key.endswith("_ore"):
            return fmt_money(int(value))
        if key == "km_tenths":
            return f"{fmt_number(value / 10, 1)} km"
        return fmt_number(value, 2)
    if isinstance(value, list):
        return ", ".join(show(key, v, object_type, names) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {show(k, v, object_type, names)}" for k, v in value.items())
    text = str(value)
    if (label := _choice(key, text, object_type)) is not None:
        return label
    if _MOMENT.match(text):
        try:
            return fmt_datetime(datetime.fromisoformat(text))
        except ValueError:
            return text
    if _DAY.fullmatch(text):
        return fmt_date(date.fromisoformat(text))
    return text


# --- rows of the page -------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    label: str
    before: str | None  # None: a value recorded without a "before" (a count, a new object)
    after: str


@dataclass(frozen=True)
class Row:
    entry: AuditEntry
    actor: str
    action: str
    object_kind: str
    object: audit.ObjectRef | None
    changes: list[Change]


def _changes(entry: AuditEntry, names: _Names) -> list[Change]:
    """Each changed field; a value recorded without a "before" (new, or a count) is shown alone."""
    result = []
    for key, change in (entry.changes or {}).items():
        pair = isinstance(change, list) and len(change) == 2
        before, after = change if pair else (None, change)
        shown = None if before is None else show(key, before, entry.object_type, names)
        result.append(Change(field_label(key), shown, show(key, after, entry.object_type, names)))
    return result


def _collect_ids(entries: list[AuditEntry]) -> dict[str, set[int]]:
    ids: dict[str, set[int]] = {}
    for e in entries:
        for key, change in (e.changes or {}).items():
            if key not in ID_FIELDS:
                continue
            for v in change if isinstance(change, list) else [change]:
                if isinstance(v, int) and not isinstance(v, bool):
                    ids.setdefault(ID_FIELDS[key], set()).add(v)
    return ids


def rows(db: Session, entries: list[AuditEntry], actors: dict[int, str]) -> list[Row]:
    """The page's rows: names looked up once for the whole page."""
    wanted: dict[str, set[int]] = {}
    for e in entries:
        if e.object_id is not None:
            wanted.setdefault(e.object_type, set()).add(e.object_id)
    refs = audit.object_refs(db, wanted)
    ids = _collect_ids(entries)
    looked_up = audit.object_refs(db, {k: v for k, v in ids.items() if k != "department"})
    names = {key: ref.label for key, ref in looked_up.items()}
    if ids.get("department"):
        departments = db.execute(
            select(Department.id, Department.number, Department.name).where(
                Department.id.in_(ids["department"])
            )
        )
        names.update((("department", i), f"{nr} {name}") for i, nr, name in departments)
    lookup = _Names(ids, names)
    kinds = object_types()
    return [
        Row(
            entry=e,
            actor=actors.get(e.actor_id or 0, ""),
            action=action_label(e.action),
            object_kind=kinds.get(e.object_type, e.object_type),
            object=refs.get((e.object_type, e.object_id)) if e.object_id is not None else None,
            changes=_changes(e, lookup),
        )
        for e in entries
    ]


def day_bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """A from–to range of local days as UTC moments (the end exclusive: the day after "to")."""
    start = datetime.combine(since, time.min, tzinfo=TZ) if since else None
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=TZ) if until else None
    return start, end
