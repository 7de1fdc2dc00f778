"""Read numbers and JSON from requests strictly: what is not plainly valid is refused, never a 500.

`str.isdigit()` accepts "²" and "٣" that `int()` then refuses, or reads "²" as nothing at all;
twenty digits pass it but no database id is that large; `json.loads` reads 1e400 as infinity
(`int()` of it raises OverflowError) and recurses once per level of nesting (RecursionError at a
thousand). Every query parameter and JSON body that holds a number goes through here or a form.
"""

from __future__ import annotations

import json
import re

from django.http import HttpResponse

MAX_ID = 2**63 - 1  # the largest id any database here stores (a signed 64-bit integer)
MAX_JSON_BYTES = 64 * 1024  # a board move or a grid edit is well under 1 KB
MAX_JSON_DEPTH = 8  # a move or an edit is one flat object
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII digits only


class BadInput(ValueError):
    """A parameter or a body that cannot be read."""


def as_id(value, *, maximum: int = MAX_ID) -> int | None:
    """A whole number from 0 to `maximum`, from a string of ASCII digits or a JSON integer; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if number <= maximum else None


def int_param(request, name: str, *, maximum: int = MAX_ID) -> int | None:
    """The query parameter `name` as a whole number (see `as_id`), or None when absent or unreadable."""
    return as_id(request.GET.get(name, ""), maximum=maximum)


def _refuse_constant(name: str):
    raise BadInput(f"{name} is not a number JSON carries")


def _depth(text: str) -> int:
    """How deeply arrays and objects nest in `text`, brackets inside strings not counted."""
    deepest = depth = 0
    in_string = escaped = False
    for character in text:
        if in_string:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif character in "]}":
            depth -= 1
    return deepest


def json_object(body: bytes, *, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH) -> dict:
    """A request body that is one JSON object of bounded size and depth, with finite numbers only.

    Raises BadInput for anything else."""
    if len(body) > max_bytes:
        raise BadInput("too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput("not UTF-8") from error
    if _depth(text) > max_depth:
        raise BadInput("nested too deeply")
    try:
        data = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=lambda digits: _finite(float(digits), digits),
        )
    except ValueError as error:  # JSONDecodeError is a ValueError, and so is BadInput
        raise BadInput(str(error)) from error
    if not isinstance(data, dict):
        raise BadInput("not an object")
    return data


def _finite(number: float, digits: str) -> float:
    if number in (float("inf"), float("-inf")):
        raise BadInput(f"{digits} is too large")
    return number


class RefuseNulMiddleware:
    """A NUL character in the address or its query string is refused in words (400): PostgreSQL
    cannot hold one in text, so a search for it would end in a 500. Forms refuse it in posted
    fields themselves (Django's ProhibitNullCharactersValidator)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values
        ):
            return HttpResponse(
                "This address holds a NUL character, which no page here accepts.\n",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
