"""Master-data import from the administration system's CSV files (docs/import.md).

``service`` is the entry (``import_csv``, ``ImportReport``); ``file`` reads the file into a table,
``rows`` checks its lines, ``residents`` and ``members`` plan the changes, ``apply`` writes them,
``views`` is the administration's import page.
"""
