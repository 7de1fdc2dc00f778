"""Rules for text people type: one-line fields hold one line, and no text holds a NUL.

A name or a title reaches places where a line break is structure, not content: an e-mail subject
(Django refuses to send a header with a newline, `BadHeaderError`), a calendar's content line, a
file name. So one-line fields refuse control characters and line or paragraph separators, at the
form and on the model (`single_line`), and text that reaches a header or a content line is made
one line there too (`one_line`), for what the database already holds. NUL is refused everywhere:
PostgreSQL cannot store it in text.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

_BREAKS = re.compile("\r\n|[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")  # what str.splitlines() splits at


def _not_one_line(character: str) -> bool:
    return unicodedata.category(character) in ("Cc", "Zl", "Zp")


@deconstructible
class SingleLine:
    """A validator for one-line text (names, titles, venues, addresses): no line breaks, no tabs, no
    other control characters."""

    message = "Keep this to one line: it cannot hold line breaks, tabs or other control characters."
    code = "single_line"

    def __call__(self, value) -> None:
        if isinstance(value, str) and any(_not_one_line(character) for character in value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, SingleLine)

    def __hash__(self) -> int:
        return hash(SingleLine)


single_line = SingleLine()


def one_line(value: str) -> str:
    """The text as one line: each line break a space, other control characters gone."""
    value = _BREAKS.sub(" ", value).replace("\t", " ")
    return "".join(character for character in value if not _not_one_line(character))


def without_nul(value: str) -> str:
    """The text with its NUL characters taken out (PostgreSQL refuses them in text)."""
    return value.replace("\x00", "")
