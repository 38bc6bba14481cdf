"""The permits domain's public face: what pages, the API and other domains call. It only
re-exports; the modules of the domain import each other directly and never this one."""

from __future__ import annotations

from boardkit.permits.cases import Application as Application
from boardkit.permits.cases import report_gone as report_gone
from boardkit.permits.cases import submit as submit
from boardkit.permits.cases import withdraw as withdraw
from boardkit.permits.catalogue import seed_kinds as seed_kinds
from boardkit.permits.compensation import InvoiceLine as InvoiceLine
from boardkit.permits.compensation import compensation as compensation
from boardkit.permits.decisions import Decision as Decision
from boardkit.permits.decisions import decide as decide
from boardkit.permits.decisions import lapse_reports as lapse_reports
from boardkit.permits.files import attach as attach
from boardkit.permits.files import file_answer as file_answer
from boardkit.permits.files import files_of as files_of
from boardkit.permits.lookup import get_permit as get_permit
from boardkit.permits.lookup import history as history
from boardkit.permits.lookup import kinds_for as kinds_for
from boardkit.permits.models import Permit as Permit
from boardkit.permits.models import PermitKind as PermitKind
from boardkit.permits.moveout import add_invoice_line as add_invoice_line
from boardkit.permits.moveout import checklist as checklist
from boardkit.permits.moveout_pdf import checklist_pdf as checklist_pdf
from boardkit.permits.overview import Filters as Filters
from boardkit.permits.overview import department_overview as department_overview
from boardkit.permits.overview import list_permits as list_permits
