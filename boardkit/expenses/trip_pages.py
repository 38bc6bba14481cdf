"""A voucher page for a claim's trips, so the receipts PDF has a page for every line of the CSV.

Drawn with fpdf2 in IBM Plex Sans like the other PDFs: claimant, claim, and per trip the date,
route, purpose, km, the calculation from the rate table and the amount.
"""

from __future__ import annotations

from collections.abc import Sequence

from boardkit.core import pdf
from boardkit.core.templating import fmt_date
from boardkit.expenses import mileage
from boardkit.expenses.models import ExpenseClaim, ExpenseLine

TOP, BOTTOM = 25.0, 280.0
COLUMNS = (("Linje", 12.0), ("Dato", 24.0), ("Rute og formål", 73.0), ("Km", 14.0), ("Beregning", 22.0))


def _kroner(ore: int) -> str:
    return f"{ore / 100:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def trips_pdf(claim: ExpenseClaim, trips: Sequence[tuple[int, ExpenseLine]], claimant: str) -> bytes:
    """One or more A4 pages listing ``trips`` (line number, line) of ``claim``."""
    doc = pdf.new_document(title=f"Kørselsbilag, udlæg {claim.id}", author=claimant)
    x0 = pdf.MARGIN_LEFT
    width = 210.0 - pdf.MARGIN_LEFT - pdf.MARGIN_RIGHT

    def page_head() -> float:
        doc.add_page()
        doc.put(x0, TOP, width, f"Kørselsbilag · udlæg {claim.id}", style="B", size=16, h=8)
        doc.put(x0, TOP + 10, width, f"{claimant} · {claim.purpose}")
        y = TOP + 20
        x = x0
        for title, w in COLUMNS:
            doc.put(x, y, w, title, style="B")
            x += w
        doc.put(x, y, width - (x - x0), "Beløb", style="B", align="R")
        doc.line(x0, y + pdf.LINE_H + 1, x0 + width, y + pdf.LINE_H + 1)
        return y + pdf.LINE_H + 3

    y = page_head()
    total = 0
    for number, line in trips:
        route = " – ".join([line.from_place, *line.stops, line.to_place])
        text_lines = doc.lines(route, COLUMNS[2][1]) + doc.lines(line.description, COLUMNS[2][1])
        parts = line.calculation.get("parts", []) if line.calculation else []
        height = max(len(text_lines), len(parts), 1) * pdf.LINE_H + 2
        if y + height > BOTTOM:
            y = page_head()
        x = x0
        doc.put(x, y, COLUMNS[0][1], str(number))
        x += COLUMNS[0][1]
        doc.put(x, y, COLUMNS[1][1], fmt_date(line.spent_on, "dd-MM-y") if line.spent_on else "")
        x += COLUMNS[1][1]
        for k, text in enumerate(text_lines):
            doc.put(x, y + k * pdf.LINE_H, COLUMNS[2][1], text)
        x += COLUMNS[2][1]
        doc.put(x, y, COLUMNS[3][1], mileage.format_km(line.km_tenths))
        x += COLUMNS[3][1]
        for k, part in enumerate(parts):
            doc.put(
                x, y + k * pdf.LINE_H, COLUMNS[4][1], f"{part['km']} × {_kroner(part['rate_ore'])}", size=8
            )
        x += COLUMNS[4][1]
        doc.put(x, y, width - (x - x0), _kroner(line.amount_ore), align="R")
        total += line.amount_ore
        y += height
    doc.line(x0, y, x0 + width, y)
    doc.put(x0, y + 2, width, f"I alt kørsel: {_kroner(total)} kr.", style="B", align="R")
    year = trips[0][1].calculation.get("year") if trips and trips[0][1].calculation else None
    if year:
        doc.put(x0, y + 10, width, f"Satser: Skattestyrelsens takster for {year}.", size=8)
    return pdf.finish(doc)
