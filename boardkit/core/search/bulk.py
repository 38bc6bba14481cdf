"""Bulk loading of a whoosh segment, several times faster than ``SegmentWriter.add_document``.

whoosh's own path sends every posting through a sorting pool as a tuple, sorts them all at
commit, then hands them one at a time to the codec's postings writer, reading each document's
field length back from the column file it has just written. Here the postings are gathered in
memory (per field: term → document numbers and frequencies, in document order), and at the end
each term's posting list is encoded a block at a time. The files are byte for byte the ones
whoosh writes (tests/core/test_search.py compares them): the same posting blocks, term infos,
field lengths and stored fields.

It relies on whoosh internals (``whoosh-reloaded`` 2.7, codec W3, see whoosh/codec/whoosh3.py),
each use marked ``INTERNAL``: the writer's ``perdocwriter``, ``fieldwriter``, ``docnum`` and
``_added``; the field writer's ``_postfile``, ``_fieldid`` and ``_tindex``; the codec's
``_blocklimit``, ``_compression`` and ``_inlinelimit``; and the layout of a posting block
(``_write_block``) and of a term info (``W3TermInfo.to_bytes``), re-created in
:func:`_encode_term`. If an upgrade of whoosh changes them, the comparison test fails.
"""

from __future__ import annotations

import operator
import struct
import zlib
from array import array
from collections.abc import Iterable, Iterator, Mapping
from pickle import dumps
from typing import Any, Protocol, runtime_checkable

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3TermInfo
from whoosh.fields import FieldType, Schema
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter


@runtime_checkable
class CountedField(Protocol):
    """A field whose postings are (term, frequency): weight ``freq * boost``, value ``pack_uint(freq)``.

    ``index()`` of such a field must yield exactly
    ``(word.encode(), freq, freq * format.field_boost, pack_uint(freq))`` for each of
    ``word_counts(value).items()``, and its format be whoosh's Frequency (4-byte values).
    """

    def word_counts(self, value: str) -> dict[str, int]: ...


_TERMINFO = W3TermInfo._struct  # INTERNAL: "!BfIBBfII"


class BulkSegment:
    """Adds documents to a :class:`SegmentWriter`'s new segment; :meth:`flush` before commit.

    Only for plain fields: no ``_boost``/``_stored_`` keys, no term vectors, no separate
    spelling words (checked). The caller commits (or cancels) the writer as usual; whoosh's own
    posting pool stays empty, so its commit adds nothing to what :meth:`flush` wrote.
    """

    def __init__(self, writer: SegmentWriter) -> None:
        if not isinstance(writer.codec, W3Codec) or writer.codec._inlinelimit > 1:  # INTERNAL
            raise ValueError("bulk loading writes the W3 codec's files only, without inlined postings")
        self.writer = writer
        self.schema: Schema = writer.schema
        # Counted fields: term → (document numbers, frequencies); others: term → postings.
        # (Arrays: 8 bytes a posting, a tenth of a list's; 100,000 documents have 18 million.)
        self.counted: dict[str, dict[str, tuple[array[int], array[int]]]] = {}
        self.postings: dict[str, dict[bytes, list[tuple[int, float, bytes]]]] = {}
        # Per scorable field: each document's length, quantised as whoosh reads it back from
        # the lengths column (that is what its postings writer sees), by document number.
        self.lengths: dict[str, dict[int, int]] = {}
        self._fields: dict[str, tuple[FieldType, bool, bool, bool]] = {}
        for name, fieldobj in self.schema.items():
            if fieldobj.vector or fieldobj.separate_spelling():
                raise ValueError(f"bulk loading does not do term vectors or spelling ({name})")
            fmt = fieldobj.format  # None for a STORED field
            counted = isinstance(fieldobj, CountedField) and fmt is not None and fmt.fixed_value_size() == 4
            self._fields[name] = (fieldobj, bool(fieldobj.indexed), bool(fieldobj.stored), counted)

    def add(self, fields: Mapping[str, Any]) -> None:
        """What ``SegmentWriter.add_document(**fields)`` does, keeping the postings here."""
        w = self.writer
        perdoc = w.perdocwriter  # INTERNAL
        docnum: int = w.docnum  # INTERNAL
        perdoc.start_doc(docnum)
        for name in sorted(fields):  # whoosh's order (it shapes the stored fields' pickle)
            value = fields[name]
            if value is None:
                continue
            spec = self._fields.get(name)
            if spec is None:
                raise ValueError(f"no field named {name!r} (or a whoosh _boost/_stored_ key)")
            fieldobj, indexed, stored, counted = spec
            length = 0
            if counted:
                counts = fieldobj.word_counts(value)
                terms = self.counted.setdefault(name, {})
                for word, freq in counts.items():
                    entry = terms.get(word)
                    if entry is None:
                        terms[word] = (array("I", (docnum,)), array("I", (freq,)))
                    else:
                        entry[0].append(docnum)
                        entry[1].append(freq)
                if fieldobj.scorable:
                    length = sum(counts.values())
            elif indexed:
                others = self.postings.setdefault(name, {})
                scorable = fieldobj.scorable
                for tbytes, freq, weight, vbytes in fieldobj.index(value):
                    if scorable:
                        length += freq
                    found = others.get(tbytes)
                    if found is None:
                        others[tbytes] = [(docnum, float(weight), vbytes)]  # float: whoosh * 1.0
                    else:
                        found.append((docnum, float(weight), vbytes))
            perdoc.add_field(name, fieldobj, value if stored else None, length)
            if length:
                lbyte = length_to_byte(length)
                if lbyte:  # a 0 byte reads back as "no length"
                    self.lengths.setdefault(name, {})[docnum] = byte_to_length(lbyte)
            column = fieldobj.column_type
            if column:
                perdoc.add_column_value(name, column, fieldobj.to_column_value(value))
        perdoc.finish_doc()
        w.docnum = docnum + 1  # INTERNAL
        w._added = True  # INTERNAL: commit() finishes the new segment only if something was added

    def add_all(self, documents: Iterable[Mapping[str, Any]]) -> int:
        count = 0
        for fields in documents:
            self.add(fields)
            count += 1
        return count

    def flush(self) -> None:
        """Write the postings: fields by name, terms in byte order, as whoosh's commit does."""
        fw = self.writer.fieldwriter  # INTERNAL (W3FieldWriter)
        codec: W3Codec = self.writer.codec
        postfile = fw._postfile  # INTERNAL
        for name in sorted(set(self.counted) | set(self.postings)):
            fieldobj = self.schema[name]
            fw.start_field(name, fieldobj)
            prefix = pack_ushort(fw._fieldid)  # INTERNAL: a term's key is field id + term bytes
            tindex_add = fw._tindex.add  # INTERNAL
            lengths: list[int] = []  # by document number; 0: none
            if name in self.lengths:
                lengths = [0] * self.writer.docnum  # INTERNAL
                for docnum, length in self.lengths[name].items():
                    lengths[docnum] = length
            fixed = fieldobj.format.fixed_value_size()
            chunks: list[bytes] = []
            offset: int = postfile.tell()
            for tbytes, ids, weights, values in self._terms(name, fieldobj):
                data, info = _encode_term(ids, weights, values, fixed, lengths, codec, offset)
                chunks.append(data)
                offset += len(data)
                tindex_add(prefix + tbytes, info)
            postfile.write(b"".join(chunks))
            fw.finish_field()
        self.counted.clear()
        self.postings.clear()
        self.lengths.clear()

    def _terms(
        self, name: str, fieldobj: FieldType
    ) -> Iterator[tuple[bytes, list[int], list[float], bytes | list[bytes]]]:
        """A field's terms in byte order, each with its postings: ids, weights, values."""
        if name in self.counted:
            boost = fieldobj.format.field_boost
            counted = self.counted[name]
            for word in sorted(counted):  # UTF-8 keeps code point order: as the bytes sort
                ids, freqs = counted[word]
                values = struct.pack(f"!{len(freqs)}I", *freqs)  # pack_uint of each, joined
                yield word.encode("utf-8"), ids.tolist(), [f * boost for f in freqs], values
        else:
            others = self.postings[name]
            for tbytes in sorted(others):
                postings = others[tbytes]
                yield tbytes, [p[0] for p in postings], [p[1] for p in postings], [p[2] for p in postings]


def _encode_term(
    ids: list[int],
    weights: list[float],
    values: bytes | list[bytes],  # bytes: all values joined (fixed size); list: one per posting
    fixed: int | None,
    lengths: list[int],
    codec: W3Codec,
    offset: int,
) -> tuple[bytes, bytes]:
    """One term's posting list as ``W3PostingsWriter`` writes it, and its term info bytes.

    INTERNAL: re-creates ``W3PostingsWriter.add_posting``/``_write_block``/``finish_postings``
    and ``W3TermInfo.add_block``/``to_bytes``. A block is written when the next posting
    arrives, so every block but the last is full; the last one's length is negative.
    (Never inlined: the codec's inline limit of 1 inlines empty lists only.)
    """
    blocklimit: int = codec._blocklimit  # INTERNAL
    compression: int = codec._compression  # INTERNAL
    out = [WHOOSH3_HEADER_MAGIC]
    total_weight = 0.0
    minlength: int | None = None
    maxlength = 0
    maxweight: float = 0
    count = len(ids)
    for start in range(0, count, blocklimit):
        end = min(start + blocklimit, count)
        block_ids = ids[start:end]
        block_weights = array("f", weights[start:end])  # as stored: float32
        block_max: float = max(0, *weights[start:end])  # add_posting's: first of the highest, or 0
        block_lengths = list(map(lengths.__getitem__, block_ids)) if lengths else []
        if 0 in block_lengths:  # add_posting skips a posting's length of 0 (or None)
            block_lengths = [n for n in block_lengths if n]
        block_min = min(block_lengths) if block_lengths else None
        block_maxlen = max(block_lengths) if block_lengths else 0
        # _mini_ids, _mini_weights, _mini_values
        deltas = tuple(map(operator.sub, block_ids, [0, *block_ids[:-1]]))
        n = end - start
        if block_weights.count(1.0) == n:
            mini_weights: Any = None
        elif block_weights.count(block_weights[0]) == n:
            mini_weights = block_weights[0]
        else:
            mini_weights = tuple(block_weights)
        mini_values: Any
        if fixed == 0:
            mini_values = None
        elif isinstance(values, bytes):  # every posting's fixed-size value, joined
            size = fixed or 0
            mini_values = values[start * size : end * size]
        else:  # add_posting keeps the non-empty values only
            present = [v for v in values[start:end] if v]
            mini_values = tuple(present) if fixed is None or fixed < 0 else b"".join(present)
        databytes = dumps((deltas, mini_weights, mini_values), 2)
        if compression:
            databytes = zlib.compress(databytes, compression)
        infobytes = dumps(
            (
                end - start,
                block_ids[-1],
                block_max,
                compression,
                length_to_byte(block_min),
                length_to_byte(block_maxlen),
            ),
            2,
        )
        blocklength = len(infobytes) + len(databytes)
        out += (pack_int(-blocklength if end == count else blocklength), infobytes, databytes)
        # W3TermInfo.add_block
        total_weight += sum(block_weights)
        if block_min is not None:
            minlength = block_min if minlength is None else min(minlength, block_min)
        maxlength = max(maxlength, block_maxlen)
        maxweight = max(maxweight, block_max)
    data = b"".join(out)
    info = _TERMINFO.pack(
        False,
        total_weight,
        count,
        0 if minlength is None else length_to_byte(minlength),
        length_to_byte(maxlength),
        maxweight,
        ids[0],
        ids[-1],
    )
    return data, info + pack_long(offset) + pack_int(len(data))
