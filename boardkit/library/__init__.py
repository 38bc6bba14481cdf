"""The board's library and its keys (issue 16): documents that belong to the board, not to a
person (statutes, rules, plans, reports, contracts), versioned and searchable; and the register
of keys, fobs, system accounts and codes (never the codes themselves), with "to return" tasks
when a member leaves."""
