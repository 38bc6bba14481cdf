"""Resident permits (beboertilladelser and råderet): the kinds and their tracks, the statutory
deadline of a report (8 weeks, July not counted), decisions, compensation for improvements, the
move-out checklist, and the board's overview without personal data.

``catalogue`` holds the default kinds, ``deadlines`` how a case is decided and by when, ``cases``
and ``decisions`` the case itself, ``overview`` the lists and the board's figures, ``compensation``
and ``moveout`` what is owed and re-established on moving out, ``imports`` the import of existing
permits, ``retention`` the deletion of closed cases; ``service`` is the face other code uses.
"""
