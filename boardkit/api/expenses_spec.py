"""OpenAPI description of the expense endpoints (``api/expenses.py``)."""

from __future__ import annotations

from typing import Any

_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_TEXT = {
    400: "Malformed request",
    401: "No or invalid token",
    403: "Allowed to see but not to do (e.g. one's own claim)",
    404: "Missing or not yours",
    409: "State conflict (e.g. already approved, not a draft)",
    413: "File too large or too many pixels",
    415: "Not a JPEG, PNG, HEIC or PDF (judged by content)",
    422: "Field errors or a rule says no",
}
INT = {"type": "integer"}
STR = {"type": "string"}
DAY = {"type": ["string", "null"], "format": "date"}
URL = {"type": ["string", "null"]}
TIME = {"type": ["string", "null"], "format": "date-time"}

LINE: dict[str, Any] = {
    "type": "object",
    "required": ["id", "kind", "amount_ore"],
    "properties": {
        "id": INT,
        "kind": {"type": "string", "enum": ["receipt", "mileage"]},
        "amount_ore": INT,
        "description": STR,
        "vat_ore": INT,
        "spent_on": DAY,
        "filename": {"type": ["string", "null"]},
        "image_url": URL,
        "preview_url": URL,
        "original_url": URL,
        "travelled_on": DAY,
        "from_place": STR,
        "to_place": STR,
        "stops": {"type": "array", "items": STR},
        "purpose": STR,
        "km": {"type": "number"},
        "vehicle": {"type": "string", "enum": ["car", "bicycle"]},
        "calculation": {"type": "object", "description": "km before this line, the parts and rates used"},
    },
}
CLAIM: dict[str, Any] = {
    "type": "object",
    "required": ["id", "status", "total_ore"],
    "properties": {
        "id": INT,
        "status": {
            "type": "string",
            "enum": ["draft", "submitted", "attested", "approved", "rejected", "exported", "paid"],
        },
        "board_id": INT,
        "claimant_id": INT,
        "purpose": STR,
        "account": {"type": "object", "properties": {"code": STR, "name": STR}},
        "total_ore": INT,
        "reject_reason": {"type": ["string", "null"]},
        **{
            f"{step}_at": TIME
            for step in ("created", "submitted", "attested", "approved", "rejected", "exported", "paid")
        },
        "export_id": {"type": ["integer", "null"], "description": "the export batch the claim went out in"},
        "needs_second_approval": {"type": "boolean"},
        "bank": {"type": ["object", "null"], "description": "only for the claimant and the administration"},
        "lines": {"type": "array", "items": LINE},
        "flags": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": INT,
                    "kind": STR,
                    "other_claim_id": INT,
                    "line_id": INT,
                    "decision": URL,
                },
            },
        },
        "history": {"type": "array", "items": {"type": "object"}},
    },
}


def _op(summary: str, op_id: str, ok: dict[str, Any] | None, *codes: int, **extra: Any) -> dict[str, Any]:
    status = extra.pop("status", "200")
    responses: dict[str, Any] = {
        status: {"description": "OK", **({"content": {"application/json": {"schema": ok}}} if ok else {})}
    }
    responses |= {str(c): {"description": _TEXT[c], "content": _ERROR} for c in codes}
    return {"summary": summary, "operationId": op_id, "responses": responses, **extra}


def _path(*names: str) -> list[dict[str, Any]]:
    return [{"name": n, "in": "path", "required": True, "schema": INT} for n in names]


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _list(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "next"],
        "properties": {"items": {"type": "array", "items": item}, "next": {"type": ["string", "null"]}},
    }


RECEIPT_IN = {
    "type": "object",
    "properties": {"amount_ore": INT, "vat_ore": INT, "spent_on": DAY, "description": STR},
}
CLAIM_PATH = "/expense-claims/{claim_id}"
LINE_PATH = CLAIM_PATH + "/lines/{line_id}"
_STEPS = {
    "submit": "The claimant sends the draft (duplicate flags are computed)",
    "attest": "The board's chair attests (the treasurer for the chair's own claim)",
    "approve": "The administration approves (above the organisation's limit: two different people)",
    "reject": (
        "Rejects with `{reason}`, for good: the administration (submitted or attested), or the attester "
        "(the chair; the treasurer for the chair's own claim) while the claim waits for attestation"
    ),
    "return": (
        "The attester sends a submitted claim back to the claimant with `{reason}`: it is a draft again "
        "(its duplicate flags go; they are looked for anew when it is submitted again)"
    ),
}

PATHS: dict[str, Any] = {
    "/expense-accounts": {
        "get": _op(
            "The budget accounts of a board's organisation",
            "listExpenseAccounts",
            _list({"type": "object", "properties": {"code": STR, "name": STR}}),
            401,
            404,
            parameters=[{"name": "board_id", "in": "query", "required": True, "schema": INT}],
        )
    },
    "/expense-claims": {
        "get": _op(
            "Claims I may see (mine; my board's as chair or treasurer; my organisation's as staff)",
            "listExpenseClaims",
            _list(CLAIM),
            401,
            422,
            parameters=[
                {"name": n, "in": "query", "required": False, "schema": STR}
                for n in ("status", "board_id", "mine", "before")
            ],
        ),
        "post": _op(
            "Open a draft claim for one of my boards",
            "createExpenseClaim",
            CLAIM,
            401,
            403,
            404,
            422,
            status="201",
            requestBody=_body(
                {
                    "type": "object",
                    "required": ["board_id", "purpose", "account"],
                    "properties": {
                        "board_id": INT,
                        "purpose": STR,
                        "account": {**STR, "description": "an account code, e.g. 119"},
                        "bank_registration": STR,
                        "bank_account": STR,
                    },
                }
            ),
        ),
    },
    CLAIM_PATH: {
        "get": _op(
            "One claim with lines, flags and history",
            "getExpenseClaim",
            CLAIM,
            401,
            404,
            parameters=_path("claim_id"),
        ),
        "patch": _op(
            "Correct my draft's purpose, account or bank account (the history records "
            "the change, never the bank account itself); fields left out stay as they are",
            "updateExpenseClaim",
            CLAIM,
            401,
            403,
            404,
            409,
            422,
            parameters=_path("claim_id"),
            requestBody=_body(
                {
                    "type": "object",
                    "properties": {
                        "purpose": STR,
                        "account": {**STR, "description": "an account code, e.g. 119"},
                        "bank_registration": STR,
                        "bank_account": STR,
                    },
                }
            ),
        ),
        "delete": _op(
            "Delete my draft (a submitted claim is a voucher, kept five years: 409)",
            "deleteExpenseClaim",
            None,
            401,
            403,
            404,
            409,
            status="204",
            parameters=_path("claim_id"),
        ),
    },
    CLAIM_PATH + "/receipts": {
        "post": _op(
            "Upload a receipt (multipart field `file`) → a receipt line to fill in",
            "uploadExpenseReceipt",
            LINE,
            401,
            403,
            404,
            409,
            413,
            415,
            status="201",
            parameters=_path("claim_id"),
            requestBody={
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {"file": {"type": "string", "format": "binary"}},
                        }
                    }
                },
            },
        )
    },
    CLAIM_PATH + "/lines": {
        "post": _op(
            "Add a line to my draft: `{kind: receipt|mileage, ...}`",
            "createExpenseLine",
            LINE,
            401,
            403,
            404,
            409,
            422,
            status="201",
            parameters=_path("claim_id"),
            requestBody=_body({"type": "object", "required": ["kind"], "properties": LINE["properties"]}),
        )
    },
    LINE_PATH: {
        "patch": _op(
            "Correct a receipt line of my draft (the history keeps the original)",
            "updateExpenseLine",
            LINE,
            401,
            403,
            404,
            409,
            422,
            parameters=_path("claim_id", "line_id"),
            requestBody=_body(RECEIPT_IN),
        ),
        "delete": _op(
            "Remove a line from my draft",
            "deleteExpenseLine",
            None,
            401,
            403,
            404,
            409,
            status="204",
            parameters=_path("claim_id", "line_id"),
        ),
    },
    LINE_PATH + "/{variant}": {
        "get": _op(
            "A receipt's file: `image` (clean copy), `preview` (JPEG for screens) or `original`",
            "getExpenseReceiptFile",
            None,
            401,
            404,
            parameters=[
                *_path("claim_id", "line_id"),
                {
                    "name": "variant",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": ["image", "preview", "original"]},
                },
            ],
        )
    },
    **{
        f"{CLAIM_PATH}/{step}": {
            "post": _op(
                summary,
                f"{step}ExpenseClaim",
                CLAIM,
                401,
                403,
                404,
                409,
                422,
                parameters=_path("claim_id"),
                **(
                    {"requestBody": _body({"type": "object", "properties": {"reason": STR}})}
                    if step in ("reject", "return")
                    else {}
                ),
            )
        }
        for step, summary in _STEPS.items()
    },
}
