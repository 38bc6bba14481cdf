"""Retention: the nightly job that applies each domain's rules for deleting what is kept no longer.

``service`` is the public face (``register_rule``, ``RetentionResult``, ``run``); ``registration``
schedules the nightly job. Core knows no rule: each domain registers its own.
"""
