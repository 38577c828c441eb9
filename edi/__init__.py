"""Wire formats for customs and foreign authorities (XML, EDIFACT, signatures).

Kept apart from ``schemas`` (the canonical model) so a format can change without touching the
processes; see ``shared/docs/edi.md``.
"""
