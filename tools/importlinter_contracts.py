"""Custom import-linter contract: domains meet only through their service modules.

A module of one domain may import from another domain only its public face: ``<domain>.service``,
or a sub-package's ``<domain>.<sub>.service``. Everything else in a domain is its own business.
Run by ``lint-imports`` (see ``.importlinter``)."""

from __future__ import annotations

import grimp
from importlinter import Contract, ContractCheck, fields, output


def _domain(module: str, domains: set[str]) -> str | None:
    for d in domains:
        if module == d or module.startswith(d + "."):
            return d
    return None


def _is_service(module: str) -> bool:
    return module.rsplit(".", 1)[-1] == "service"


class ServiceOnlyContract(Contract):
    type_name = "service_only"

    domains = fields.ListField(subfield=fields.StringField())
    ignore_imports = fields.SetField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        domains = set(self.domains)  # type: ignore[call-overload]
        ignored = {tuple(s.replace(" ", "").split("->")) for s in (self.ignore_imports or set())}  # type: ignore[union-attr]
        broken: list[dict[str, object]] = []
        for importer in sorted(graph.modules):
            own = _domain(importer, domains)
            if own is None:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                other = _domain(imported, domains)
                if other is None or other == own or _is_service(imported) or (importer, imported) in ignored:
                    continue
                for detail in graph.get_import_details(importer=importer, imported=imported):
                    broken.append(detail)
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for d in check.metadata["broken"]:
            output.print_error(
                f"{d['importer']} -> {d['imported']} (l.{d['line_number']}: {d['line_contents']})",
                bold=False,
            )
        output.new_line()
        output.print("Import the other domain's service module (or a sub-package's service) instead.")
