"""Know whether a feed changed with one cheap query, and keep built feeds in the cache.

A feed's stamp sums up everything its bytes depend on: the newest change in each table that feeds
read, plus the code's feed format and SITE_URL. Every table that a feed or the delegate page reads is
here: the delegation, its members, stays, meetings and legs, their counterparts (through the
meeting), cities and organisations, deleted items and withdrawals. Every write that changes them
moves a change time somewhere: saves move `updated_at`; attendee and counterpart changes touch their
item; a deleted meeting or leg leaves a DeletedItem; a deleted member or stay touches the delegation
(feed_history.py). tests/feeds/test_stamps.py changes every field of every one of those models and
checks that the stamp moves.
So equal stamps mean equal bytes, and each part is an index lookup. The ETag is the stamp's
hash: a client that has the current feed gets its 304 after this one query, and a client that
does not gets the body from the cache, built at most once per change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.dateparse import parse_datetime

from delegations.tokens import token_digest

FEED_FORMAT = "5"  # bump when the code changes what a feed looks like
CACHE_SECONDS = 24 * 3600

# (expression, may be NULL): each change time a feed depends on.
_MISSION_CHANGES = [
    ("(SELECT MAX(updated_at) FROM itinerary_meeting WHERE delegation_id = d.id)", True),
    ("(SELECT MAX(updated_at) FROM itinerary_travelleg WHERE delegation_id = d.id)", True),
    ("(SELECT MAX(updated_at) FROM delegations_member WHERE delegation_id = d.id)", True),
    ("(SELECT MAX(updated_at) FROM itinerary_stay WHERE delegation_id = d.id)", True),
    ("(SELECT MAX(deleted_at) FROM itinerary_deleteditem WHERE delegation_id = d.id)", True),
    ("(SELECT MAX(updated_at) FROM itinerary_city)", True),
    ("(SELECT MAX(updated_at) FROM delegations_organisation)", True),
]
_MEMBER_CHANGES = [
    ("m.updated_at", False),
    ("(SELECT MAX(withdrawn_at) FROM itinerary_feedwithdrawal WHERE member_id = m.id)", True),
]


def _select(changes: list[tuple[str, bool]], leading: str, source: str) -> str:
    """The leading columns, every change, and the latest change time as the last column.

    Each change is computed once in an inner SELECT; the outer one takes the latest of them.
    """
    # SQLite's many-argument MAX() is PostgreSQL's GREATEST(); NULLs fall back to the delegation's time.
    greatest = "MAX" if connection.vendor == "sqlite" else "GREATEST"
    inner = ", ".join(f"{expression} AS c{n}" for n, (expression, _) in enumerate(changes))
    latest = ", ".join(
        f"COALESCE(c{n}, d_updated_at)" if nullable else f"c{n}" for n, (_, nullable) in enumerate(changes)
    )
    return (
        f"SELECT s.*, {greatest}(d_updated_at, {latest}) FROM "
        f"(SELECT {leading}, d.updated_at AS d_updated_at, {inner} {source}) AS s"
    )


def _delegation_sql() -> str:
    return _select(
        _MISSION_CHANGES, "d.id, d.slug", "FROM delegations_delegation d WHERE d.feed_token_digest = %s"
    )


def _member_sql() -> str:
    return _select(
        _MEMBER_CHANGES + _MISSION_CHANGES,
        "d.id, d.slug, m.id AS member_id, m.is_active",
        "FROM delegations_member m JOIN delegations_delegation d ON d.id = m.delegation_id"
        " WHERE m.feed_token_digest = %s",
    )


@dataclass(frozen=True)
class FeedStamp:
    delegation_id: int
    member_id: int | None
    slug: str
    etag: str  # quoted, ready for the header
    last_modified: datetime


def as_datetime(value) -> datetime:
    """Raw SQL gives aware datetimes on PostgreSQL and naive UTC ones or text on SQLite."""
    parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _fetch(sql: str, token: str) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_digest(token)])
        return cursor.fetchone()


def _stamp(kind: str, row: tuple, member_id: int | None) -> FeedStamp:
    digest = hashlib.sha256(repr((FEED_FORMAT, settings.SITE_URL, kind, row)).encode()).hexdigest()[:32]
    return FeedStamp(
        delegation_id=row[0],
        member_id=member_id,
        slug=row[1],
        etag=f'"{digest}"',
        last_modified=as_datetime(row[-1]),
    )


def delegation_feed_stamp(token: str) -> FeedStamp | None:
    row = _fetch(_delegation_sql(), token)
    return None if row is None else _stamp("delegation", row, member_id=None)


def member_feed_stamp(token: str) -> FeedStamp | None:
    """None for an unknown token and for an inactive member: both get a 404."""
    row = _fetch(_member_sql(), token)
    if row is None or not row[3]:
        return None
    return _stamp("member", row, member_id=row[2])


def cached_body(stamp: FeedStamp, build, variant: str = "ics") -> bytes:
    """The feed's (or page's) bytes from the shared cache, or built now and kept for the next client."""
    key = f"{variant}:{stamp.etag.strip(chr(34))}"
    body = cache.get(key)
    if body is None:
        body = build()
        cache.set(key, body, CACHE_SECONDS)
    return body
