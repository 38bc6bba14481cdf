"""Onboarding new board members (issue 15): programmes per role made of modules (videos with
captions, documents, declarations to sign, tasks, links), assigned when a membership starts, with
progress the member, the chair and the administration follow; the administration's contacts per
department; and the board's year plan (årshjul).

``media`` checks, measures and makes poster frames of videos (PyAV); ``captions`` validates WebVTT;
``yearplan`` computes the year's recurring dates from the organisation's rules.
"""
