"""The move-out checklist as a PDF for the inspection (drawn like a letter to the home)."""

from __future__ import annotations

from boardkit.core import pdf
from boardkit.core.i18n import _
from boardkit.core.templating import fmt_date, fmt_money
from boardkit.permits.models import Permit
from boardkit.permits.moveout import Checklist


def label(permit: Permit) -> str:
    """ "Hund: Bølle", not "Hund: Hund: Bølle": the kind only when the title does not say it."""
    kind = permit.kind.name
    return permit.title if kind.casefold() in permit.title.casefold() else f"{kind}: {permit.title}"


def checklist_pdf(found: Checklist, *, organisation: str) -> bytes:
    t = found.tenancy
    address = [f"{t.address}{', ' + t.unit if t.unit else ''}", f"{t.postcode} {t.city}".strip()]
    blocks: list[pdf.Block] = [
        pdf.Heading(_("Tilladelser i kraft")),
        pdf.Items([label(p) for p in found.active] or [_("Ingen")], numbered=False),
        pdf.Heading(_("Skal retableres")),
        pdf.Items([label(p) for p in found.reestablish] or [_("Intet")], numbered=False),
        pdf.Heading(_("Godtgørelse for forbedringer")),
    ]
    if not found.improvements:
        blocks.append(pdf.Paragraph(_("Ingen forbedringer.")))
    for item in found.improvements:
        owed = item.owed
        if owed is None:
            blocks.append(pdf.Facts([(item.permit.title, item.problem)], label_w=60))
            continue
        rows = [
            (_("Fakturaer der tæller"), fmt_money(owed.eligible_ore)),
            (_("Grundlag efter maksimum"), fmt_money(owed.base_ore)),
            (_("Brugt"), _("%(used)s af %(life)s måneder", used=owed.months_used, life=owed.life_months)),
            (_("Godtgørelse"), fmt_money(owed.owed_ore)),
        ]
        rows += [(_("Tæller ikke"), f"{line.description}: {why}") for line, why in owed.excluded]
        blocks += [pdf.Paragraph(item.permit.title, style="B"), pdf.Facts(rows, label_w=60)]
    blocks.append(
        pdf.Paragraph(_("Godtgørelse i alt: %(total)s", total=fmt_money(found.total_owed_ore)), style="B")
    )
    spec = pdf.LetterSpec(
        sender_name=organisation,
        sender_lines=[found.department.name],
        return_address=organisation,
        recipient_lines=address,
        info=[(_("Fraflytning"), fmt_date(found.moved_out)), (_("Lejemål"), t.number)],
        subject=_("Fraflytningssyn: tilladelser og godtgørelse"),
        blocks=blocks,
        footer=organisation,
    )
    doc = pdf.new_document(title=spec.subject, author=organisation)
    pdf.draw_letter(doc, spec)
    return pdf.finish(doc)
