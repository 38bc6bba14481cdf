"""The handover pack (issue 16): what a departing board member hands to the successor — open cases,
the term's decisions, the budget, contracts, keys, the year plan, the library and the contacts —
frozen when it is made, as a page and a PDF, with the departing member's checklist and the
successor's receipt. It composes several domains, so it is a layer of its own above them.
"""
