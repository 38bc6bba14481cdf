"""The pack's content, frozen when it is made: plain JSON the page and the PDF both draw.

``{"facts": [[label, value], …], "sections": [section, …]}``, a section being
``{"key", "title", "note", "tables": [{"caption", "columns", "widths", "rows", "empty"}]}`` with
every cell a string. No resident is named: people appear by their role on the board, closed
decisions as "Lukket punkt" without their text, and every free text passes the scrubber.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from boardkit.core import i18n
from boardkit.core.i18n import _
from boardkit.core.templating import fmt_date, fmt_money
from boardkit.handover import sources
from boardkit.handover.scrub import Scrubber, residents_scrubber
from boardkit.meetings.minutes import service as minutes_service
from boardkit.org import service as org_service

SECTION_KEYS = ("open_cases", "decisions", "budget", "contracts", "keys", "yearplan", "documents", "contacts")
OPEN = ("open", "in_progress")
TERM_DAYS = 365


@dataclass(frozen=True)
class Parties:
    """Who hands over to whom, by role (the pack never names a board member)."""

    departing_role: str = ""  # a role code ("treasurer"), "" for none
    departing_since: date | None = None
    successor_role: str = ""


def _day(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime | date):
        return fmt_date(value)
    try:
        return fmt_date(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def _table(
    caption: str, columns: list[str], widths: list[float], rows: list[list[str]], empty: str
) -> dict[str, Any]:
    return {"caption": caption, "columns": columns, "widths": widths, "rows": rows, "empty": empty}


def _section(key: str, title: str, tables: list[dict[str, Any]], note: str = "") -> dict[str, Any]:
    return {"key": key, "title": title, "note": note, "tables": tables}


def _status(code: str) -> str:
    names = {"open": _("Åben"), "in_progress": _("I gang"), "done": _("Udført")}
    return names.get(code, code)


def _decision_cells(d: minutes_service.BoardDecision, clean: Scrubber, *, status: bool) -> list[str]:
    number = f"{d.item_number}. " if d.item_number else ""
    if d.closed:  # a person case or another closed item: no title, no text
        cells = [_day(d.decided_on), _("Lukket punkt"), ""]
    else:
        cells = [_day(d.decided_on), clean(f"{number}{d.item_title}"), clean(d.text)]
    return [*cells, _status(d.status)] if status else cells


def _open_cases(
    db: Session,
    board_id: int,
    decisions: list[minutes_service.BoardDecision],
    clean: Scrubber,
    today: date,
) -> dict[str, Any]:
    carried = [i for i in sources.carried_over(db, board_id=board_id) if i.meeting_date <= today]
    items = [
        [_day(i.meeting_date), str(i.number or ""), _("Lukket punkt") if i.closed else clean(i.title)]
        for i in carried
    ]
    open_rows = [_decision_cells(d, clean, status=True) for d in decisions if d.status in OPEN]
    return _section(
        "open_cases",
        _("Åbne sager"),
        [
            _table(
                _("Punkter udsat til et senere møde"),
                [_("Møde"), _("Nr."), _("Punkt")],
                [0.22, 0.08, 0.70],
                items,
                _("Ingen udsatte punkter."),
            ),
            _table(
                _("Beslutninger, der ikke er ført ud"),
                [_("Dato"), _("Punkt"), _("Beslutning"), _("Status")],
                [0.18, 0.27, 0.43, 0.12],
                open_rows,
                _("Alle beslutninger er ført ud."),
            ),
        ],
    )


def _decisions(
    decisions: list[minutes_service.BoardDecision], since: date, clean: Scrubber
) -> dict[str, Any]:
    return _section(
        "decisions",
        _("Beslutninger i perioden"),
        [
            _table(
                _("Beslutningsregistret fra %(since)s", since=_day(since)),
                [_("Dato"), _("Punkt"), _("Beslutning")],
                [0.18, 0.30, 0.52],
                [_decision_cells(d, clean, status=False) for d in reversed(decisions)],
                _("Ingen beslutninger i perioden."),
            )
        ],
        _("Lukkede punkter er vist uden tekst."),
    )


def _budget(db: Session, board_id: int, organisation_id: int, year: int) -> dict[str, Any]:
    overview = sources.budget(db, board_id=board_id, organisation_id=organisation_id, year=year)
    rows: list[list[str]] = []
    if overview is not None:
        for a in overview.accounts:
            if not (a.yearly_budget_ore or a.spent_ore or a.pending_ore):
                continue
            rows.append(
                [
                    f"{a.code} {a.name}",
                    fmt_money(a.yearly_budget_ore),
                    fmt_money(a.spent_ore),
                    fmt_money(a.pending_ore),
                    fmt_money(a.remaining_ore),
                ]
            )
        if rows:
            rows.append(
                [
                    _("I alt"),
                    fmt_money(overview.budget_ore),
                    fmt_money(overview.spent_ore),
                    fmt_money(overview.pending_ore),
                    fmt_money(overview.budget_ore - overview.spent_ore),
                ]
            )
    return _section(
        "budget",
        _("Budgetoverblik"),
        [
            _table(
                _("Udlæg og budget %(year)s (kr.)", year=year),
                [_("Konto"), _("Budget"), _("Forbrugt"), _("Afventer"), _("Rest")],
                [0.40, 0.15, 0.15, 0.15, 0.15],
                rows,
                _("Ingen budget eller udlæg i år."),
            )
        ],
        _("Bestyrelsens godkendte udlæg og dem, der afventer godkendelse, pr. konto."),
    )


def _library_table(found: list[Any] | None, empty: str) -> str:
    return empty if found is not None else _("Biblioteket er ikke taget i brug endnu.")


def _contracts(db: Session, board_id: int, clean: Scrubber) -> dict[str, Any]:
    found = sources.contracts(db, board_id=board_id)
    f = sources.field
    rows = [
        [
            clean(str(f(c, "supplier", ""))),
            clean(str(f(c, "subject", ""))),
            " – ".join(x for x in (_day(f(c, "term_start")), _day(f(c, "term_end"))) if x),
            clean(str(f(c, "notice_period", "") or "")),
            clean(str(f(c, "admin_contact", "") or f(c, "contact_name", "") or "")),
        ]
        for c in found or []
    ]
    return _section(
        "contracts",
        _("Kontrakter"),
        [
            _table(
                "",
                [_("Leverandør"), _("Emne"), _("Løbetid"), _("Opsigelse"), _("Administrationens kontakt")],
                [0.22, 0.24, 0.22, 0.14, 0.18],
                rows,
                _library_table(found, _("Ingen kontrakter.")),
            )
        ],
        _("Kontrakterne selv ligger hos administrationen."),
    )


def holder_roles(key: Any) -> list[str]:
    """The board roles holding a key or access item (the library's ``holder_roles``; "" for a
    former member is left out)."""
    roles = sources.field(key, "holder_roles")
    if roles is None:
        roles = [sources.field(key, "holder_role", "")]
    return [str(r) for r in roles if r]


def _holder(key: Any) -> str:
    names = [org_service.role_name(r) if r in org_service.ROLES else r for r in holder_roles(key)]
    return ", ".join(dict.fromkeys(names))


def kind_label(row: Any) -> str:
    """A document's or access item's kind in words (the library's ``kind_name``)."""
    return str(sources.field(row, "kind_name", "") or sources.field(row, "kind", "") or "")


def key_state(state: Any) -> str:
    names = {
        "held": _("Udleveret"),
        "issued": _("Udleveret"),
        "to_return": _("Skal afleveres"),
        "overdue": _("Skal afleveres (forfalden)"),
        "returned": _("Afleveret"),
        "available": _("Ledig"),
        "spare": _("Ledig"),
        "in_stock": _("Ledig"),
        "lost": _("Bortkommet"),
    }
    return names.get(str(state or ""), str(state or ""))


def _keys(found: list[Any] | None, clean: Scrubber) -> dict[str, Any]:
    f = sources.field
    rows = [
        [
            clean(kind_label(k)),
            clean(str(f(k, "label", ""))),
            clean(str(f(k, "opens", "") or "")),
            _holder(k),
            key_state(f(k, "state")),
            _day(f(k, "changed_on") or f(k, "last_changed")),
        ]
        for k in found or []
    ]
    return _section(
        "keys",
        _("Nøgler og adgange"),
        [
            _table(
                "",
                [
                    _("Type"),
                    _("Betegnelse"),
                    _("Giver adgang til"),
                    _("Hos"),
                    _("Tilstand"),
                    _("Sidst ændret"),
                ],
                [0.13, 0.19, 0.22, 0.14, 0.14, 0.18],
                rows,
                _library_table(found, _("Ingen nøgler eller adgange registreret.")),
            )
        ],
        _("Koder og adgangskoder står aldrig her: kun hvem der kender dem, og hvornår de sidst blev ændret."),
    )


def _yearplan(
    db: Session, board_id: int, organisation_id: int, today: date, clean: Scrubber
) -> dict[str, Any]:
    rows = [
        [
            _day(r.day),
            clean(r.title) if r.kind != "meeting" else _("Møde: %(title)s", title=clean(r.title)),
            clean(r.note),
        ]
        for r in sources.year_plan(db, board_id=board_id, organisation_id=organisation_id, today=today)
    ]
    return _section(
        "yearplan",
        _("Årsplan for de næste 12 måneder"),
        [_table("", [_("Dato"), _("Hvad"), _("Bemærkning")], [0.2, 0.45, 0.35], rows, _("Intet planlagt."))],
    )


def _documents(db: Session, board_id: int, clean: Scrubber) -> dict[str, Any]:
    found = sources.documents(db, board_id=board_id)
    f = sources.field
    rows = [
        [
            clean(kind_label(d)),
            clean(str(f(d, "title", ""))),
            str(f(d, "version", "") or ""),
            _day(f(d, "updated") or f(d, "updated_on") or f(d, "updated_at")),
        ]
        for d in found or []
    ]
    return _section(
        "documents",
        _("Bestyrelsens bibliotek"),
        [
            _table(
                "",
                [_("Type"), _("Titel"), _("Version"), _("Opdateret")],
                [0.22, 0.46, 0.12, 0.20],
                rows,
                _library_table(found, _("Ingen dokumenter i biblioteket.")),
            )
        ],
        _("Dokumenterne hører til bestyrelsen og ligger i portalen."),
    )


def _contacts(
    db: Session, department_id: int | None, organisation_id: int, clean: Scrubber
) -> dict[str, Any]:
    rows = [
        [clean(c.role), clean(c.name), clean(c.helps_with), clean(c.phone), clean(c.email)]
        for c in sources.contacts(db, department_id=department_id, organisation_id=organisation_id)
    ]
    return _section(
        "contacts",
        _("Kontakter i administrationen"),
        [
            _table(
                "",
                [_("Rolle"), _("Navn"), _("Hjælper med"), _("Telefon"), _("E-mail")],
                [0.15, 0.17, 0.27, 0.17, 0.24],
                rows,
                _("Administrationen har ikke oplyst kontakter."),
            )
        ],
    )


def build(
    db: Session,
    *,
    board: org_service.Board,
    parties: Parties,
    reason: str,
    today: date,
    keys: list[Any] | None,
) -> dict[str, Any]:
    """The pack's content for ``board`` as of ``today`` (in Danish, the board's language)."""
    with i18n.language("da"):
        clean = residents_scrubber(db, organisation_id=board.organisation_id)
        since = parties.departing_since or date.fromordinal(today.toordinal() - TERM_DAYS)
        since = max(since, date.fromordinal(today.toordinal() - 5 * TERM_DAYS))
        decisions = sources.decisions(db, board_id=board.id, since=since)
        decisions = [d for d in decisions if d.decided_on <= today]
        facts = [
            [_("Bestyrelse"), board.name],
            [_("Boligorganisation"), board.organisation.name],
            [_("Lavet"), _day(today)],
            [_("Anledning"), _("Ændring i bestyrelsen") if reason == "change" else _("Efter ønske")],
        ]
        if parties.departing_role:
            facts.append([_("Overdrages fra"), org_service.role_name(parties.departing_role)])
        if parties.successor_role:
            facts.append([_("Overdrages til"), org_service.role_name(parties.successor_role)])
        facts.append([_("Periode"), _("%(since)s til %(until)s", since=_day(since), until=_day(today))])
        sections = [
            _open_cases(db, board.id, decisions, clean, today),
            _decisions(decisions, since, clean),
            _budget(db, board.id, board.organisation_id, today.year),
            _contracts(db, board.id, clean),
            _keys(keys, clean),
            _yearplan(db, board.id, board.organisation_id, today, clean),
            _documents(db, board.id, clean),
            _contacts(db, board.department_id, board.organisation_id, clean),
        ]
        return {"title": _("Overdragelsesmappe"), "board": board.name, "facts": facts, "sections": sections}
