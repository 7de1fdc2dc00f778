"""The briefing book: a printable (PDF) mission for a delegate or for staff.

It reads the latest release for delegates (publishing.released) and the working copy for staff, so
it sits above publishing/ (STYLE.md §11): nothing below imports it.
"""
