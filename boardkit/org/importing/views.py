"""The administration's import page: upload a CSV file, see the dry run, confirm without uploading again.

The dry run always comes first. When the file would end more than the allowed share of a
department's residencies, the confirmation must name the number of residencies it ends."""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import NotFound
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.fileio import private_dir, write_atomic
from boardkit.org import service
from boardkit.org.importing.file import MAX_BYTES
from boardkit.org.importing.service import ImportReport, formats, import_csv, move_out_percent

TEMPLATE = "org/import.html"
SHA256 = re.compile(r"[0-9a-f]{64}")
KEEP_SECONDS = 24 * 3600  # an unconfirmed upload (personal data) is not kept longer than this


def _folder(ctx: Ctx, organisation_id: int) -> Path:
    # One folder per organisation: a hash seen by staff of one organisation opens nothing in another.
    return ctx.settings.data_dir / "imports" / str(organisation_id)


def _keep(folder: Path, report: ImportReport, data: bytes) -> None:
    """Keep the checked file until it is confirmed, and forget old unconfirmed ones."""
    private_dir(folder)
    cutoff = time.time() - KEEP_SECONDS
    for old in folder.glob("*.csv"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    write_atomic(folder / f"{report.sha256}.csv", data, durable=False)  # kept a day at most


def _failed(ctx: Ctx, report: ImportReport, common: dict[str, Any]) -> Response:
    """Nothing was imported: a whole-file problem belongs to the file field, row problems get a table."""
    if not report.kind:
        line, message = report.errors[0]
        text = _("Linje %(line)s: %(reason)s", line=line, reason=message) if line else message
        return form_errors(ctx, TEMPLATE, {"file": text}, report=None, **common)
    summary = _("Filen blev ikke importeret, fordi der er fejl i den. Se listen herunder.")
    return form_errors(ctx, TEMPLATE, {"_report": summary}, report=report, **common)


def _done(ctx: Ctx, report: ImportReport) -> Response:
    if report.changed:
        ctx.flash(_("Importen er gennemført: %(summary)s.", summary=report.summary()))
    else:
        ctx.flash(_("Filen er indlæst. Der var intet at ændre."), "info")
    return redirect(ctx, "org:import")


@page
def import_page(ctx: Ctx) -> Response:
    principal = service.require_staff(ctx.require_login().principal)
    organisation_id = service.staff_organisation(principal)
    if organisation_id is None:
        raise NotFound()
    common: dict[str, Any] = {
        "active_nav": "org:index",
        "move_out_percent": move_out_percent(ctx.db, organisation_id),
        "format_help": [f.help_template for f in formats()],
    }
    if ctx.request.method == "GET":
        return render(ctx, TEMPLATE, report=None, **common)
    folder = _folder(ctx, organisation_id)
    if sha256 := ctx.value("sha256"):
        stored = folder / f"{sha256}.csv"
        data = stored.read_bytes() if SHA256.fullmatch(sha256) and stored.is_file() else b""
        if not data or hashlib.sha256(data).hexdigest() != sha256:
            message = _("Den kontrollerede fil findes ikke længere. Upload den igen.")
            return form_errors(ctx, TEMPLATE, {"file": message}, report=None, **common)
        raw = ctx.value("confirm_move_outs")
        confirmed = int(raw) if raw.isdigit() and len(raw) < 10 else None  # anything else: not confirmed
        report = import_csv(
            ctx.db,
            data=data,
            organisation_id=organisation_id,
            actor_id=ctx.person_id,
            dry_run=False,
            confirm_move_outs=confirmed,
        )
        if not report.ok:
            return _failed(ctx, report, common)
        if report.confirmation_error:
            errors = {"confirm_move_outs": report.confirmation_error}
            return form_errors(ctx, TEMPLATE, errors, report=report, filename="", **common)
        ctx.after_commit.append(lambda: stored.unlink(missing_ok=True))
        return _done(ctx, report)

    uploads = ctx.files.get("file") or []
    if not uploads:
        return form_errors(ctx, TEMPLATE, {"file": _("Vælg en CSV-fil.")}, report=None, **common)
    data = uploads[0].data
    if len(data) > MAX_BYTES:
        message = _("Filen er for stor. Den må højst fylde 50 MB.")
        return form_errors(ctx, TEMPLATE, {"file": message}, report=None, **common)
    # An upload is always a dry run first: what it would change is confirmed on the next step.
    report = import_csv(
        ctx.db, data=data, organisation_id=organisation_id, actor_id=ctx.person_id, dry_run=True
    )
    if not report.ok:
        return _failed(ctx, report, common)
    if report.changed:
        _keep(folder, report, data)
    return render(ctx, TEMPLATE, report=report, filename=uploads[0].filename[:200], **common)


routes = [Route("/import", import_page, methods=["GET", "POST"], name="import")]
