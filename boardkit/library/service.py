"""The library's public face: what its pages, the API and other domains call (the membership
hook calls :func:`mark_departure`; the handover pack the ``handover_*`` functions)."""

from __future__ import annotations

from boardkit.library import documents as _documents
from boardkit.library import handover as _handover
from boardkit.library import keys as _keys
from boardkit.library.access import may_keep as may_keep
from boardkit.library.access import readable_board as readable_board
from boardkit.library.documents import DocumentInput as DocumentInput
from boardkit.library.handover import HandoverContract as HandoverContract
from boardkit.library.handover import HandoverDocument as HandoverDocument
from boardkit.library.handover import HandoverKey as HandoverKey
from boardkit.library.handover import items_held_by as items_held_by
from boardkit.library.keys import HolderView as HolderView
from boardkit.library.keys import ItemInput as ItemInput
from boardkit.library.keys import ItemView as ItemView
from boardkit.library.models import DOCUMENT_KINDS as DOCUMENT_KINDS
from boardkit.library.models import ITEM_KINDS as ITEM_KINDS
from boardkit.library.models import AccessItem as AccessItem
from boardkit.library.models import DocumentVersion as DocumentVersion
from boardkit.library.models import Holding as Holding
from boardkit.library.models import LibraryDocument as LibraryDocument
from boardkit.library.models import ReturnTask as ReturnTask

create_document = _documents.create_document
add_version = _documents.add_version
archive_document = _documents.archive_document
list_documents = _documents.list_documents
get_document = _documents.get_document
get_version = _documents.get_version
contact_name = _documents.contact_name
contact_choices = _documents.contact_choices
document_kind_name = _documents.kind_name

create_item = _keys.create_item
issue = _keys.issue
return_item = _keys.return_item
mark_changed = _keys.mark_changed
list_items = _keys.list_items
open_tasks = _keys.open_tasks
item_kind_name = _keys.kind_name
mark_departure = _keys.mark_departure
escalate_overdue = _keys.escalate_overdue

handover_documents = _handover.handover_documents
handover_contracts = _handover.handover_contracts
handover_keys = _handover.handover_keys
