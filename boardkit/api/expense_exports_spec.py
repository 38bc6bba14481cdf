"""OpenAPI description of the expense export batches (``expense_exports.py``)."""

from __future__ import annotations

from typing import Any

from boardkit.api.expenses_spec import INT, STR, TIME, _list, _op, _path

EXPORT: dict[str, Any] = {
    "type": "object",
    "required": ["id", "claims"],
    "properties": {
        "id": INT,
        "organisation_id": INT,
        "created_by": {"type": ["integer", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "claims": {"type": "array", "items": INT, "description": "the ids of the claims in the batch"},
        "paid": {"type": "boolean", "description": "every claim in the batch is paid"},
        "paid_at": {**TIME, "description": "when the last claim was marked paid; null until all are"},
        "csv_url": STR,
        "pdf_url": STR,
    },
}
EXPORT_PATH = "/expense-exports/{export_id}"

PATHS: dict[str, Any] = {
    "/expense-exports": {
        "get": _op(
            "Export batches of the organisations I administer, newest first",
            "listExpenseExports",
            _list(EXPORT),
            401,
            parameters=[{"name": "before", "in": "query", "required": False, "schema": STR}],
        ),
        "post": _op(
            "A batch of every approved, not yet exported claim (marked exported); "
            "`organisation_id` when I administer several",
            "createExpenseExport",
            EXPORT,
            401,
            403,
            409,
            422,
            status="201",
            requestBody={
                "required": False,
                "content": {
                    "application/json": {"schema": {"type": "object", "properties": {"organisation_id": INT}}}
                },
            },
        ),
    },
    EXPORT_PATH + ".csv": {
        "get": _op(
            "The batch for Danish Excel: UTF-8 with BOM, `;`, comma decimals, one row per line; columns "
            "Udlæg, Linje, Dato, Konto, Beløb, Moms, Udlægger, Bankkonto, Afdeling",
            "getExpenseExportCsv",
            None,
            401,
            404,
            parameters=_path("export_id"),
        )
    },
    EXPORT_PATH + ".pdf": {
        "get": _op(
            "Every receipt of the batch in claim and line order, "
            "each page stamped “Udlæg {claim} · linje {line}”; a claim's trips get one voucher page",
            "getExpenseExportPdf",
            None,
            401,
            404,
            parameters=_path("export_id"),
        )
    },
    EXPORT_PATH + "/paid": {
        "post": _op(
            "The administration has paid the batch: every claim in it goes exported → paid "
            "(the claimants are told by e-mail)",
            "markExpenseExportPaid",
            EXPORT,
            401,
            404,
            409,
            parameters=_path("export_id"),
        )
    },
}
