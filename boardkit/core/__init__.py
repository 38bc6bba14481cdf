"""What every domain uses and no domain owns: the database and jobs, authentication and
permissions, mail and notices (``notify/``), files, i18n and templates, the web plumbing
(``web/``), PDF (``pdf/``) and search (``search/``). ``core`` imports no domain."""
