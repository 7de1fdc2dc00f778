"""Know whether a feed changed with one cheap query, and keep built feeds in the cache.

A feed's stamp sums up everything its bytes depend on: the newest change and the number of rows
of each table that feeds read (counts catch deletions), plus the code's feed format and SITE_URL.
Every write that changes a feed moves `updated_at` somewhere (attendee and counterpart changes
touch their item, see feed_history.py), so equal stamps mean equal bytes. The ETag is the stamp's
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

FEED_FORMAT = "2"  # bump when the code changes what a feed looks like
CACHE_SECONDS = 24 * 3600

_MISSION_PARTS = """
    d.id, d.slug, d.updated_at,
    (SELECT MAX(updated_at) FROM itinerary_meeting WHERE delegation_id = d.id),
    (SELECT COUNT(*) FROM itinerary_meeting WHERE delegation_id = d.id),
    (SELECT MAX(updated_at) FROM itinerary_travelleg WHERE delegation_id = d.id),
    (SELECT COUNT(*) FROM itinerary_travelleg WHERE delegation_id = d.id),
    (SELECT MAX(updated_at) FROM delegations_member WHERE delegation_id = d.id),
    (SELECT COUNT(*) FROM delegations_member WHERE delegation_id = d.id),
    (SELECT MAX(deleted_at) FROM itinerary_deleteditem WHERE delegation_id = d.id),
    (SELECT MAX(updated_at) FROM itinerary_city),
    (SELECT MAX(updated_at) FROM delegations_organisation)
"""
DELEGATION_SQL = f"SELECT {_MISSION_PARTS} FROM delegations_delegation d WHERE d.feed_token = %s"
MEMBER_SQL = f"""
    SELECT m.id, m.is_active, m.updated_at,
        (SELECT MAX(withdrawn_at) FROM itinerary_feedwithdrawal WHERE member_id = m.id),
        (SELECT COUNT(*) FROM itinerary_feedwithdrawal WHERE member_id = m.id),
        {_MISSION_PARTS}
    FROM delegations_member m JOIN delegations_delegation d ON d.id = m.delegation_id
    WHERE m.feed_token = %s
"""


@dataclass(frozen=True)
class FeedStamp:
    delegation_id: int
    member_id: int | None
    slug: str
    etag: str  # quoted, ready for the header
    last_modified: datetime


def _as_datetime(value) -> datetime | None:
    """Raw SQL gives aware datetimes on PostgreSQL and naive UTC ones or text on SQLite."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = parse_datetime(value)
    else:
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _stamp(kind: str, row: tuple, delegation_id: int, member_id: int | None, slug: str) -> FeedStamp:
    times = [t for t in map(_as_datetime, row) if isinstance(t, datetime)]
    digest = hashlib.sha256(repr((FEED_FORMAT, settings.SITE_URL, kind, row)).encode()).hexdigest()[:32]
    return FeedStamp(
        delegation_id=delegation_id,
        member_id=member_id,
        slug=slug,
        etag=f'"{digest}"',
        last_modified=max(times, default=datetime(1970, 1, 1, tzinfo=UTC)),
    )


def delegation_feed_stamp(token: str) -> FeedStamp | None:
    with connection.cursor() as cursor:
        cursor.execute(DELEGATION_SQL, [token])
        row = cursor.fetchone()
    if row is None:
        return None
    return _stamp("delegation", row, delegation_id=row[0], member_id=None, slug=row[1])


def member_feed_stamp(token: str) -> FeedStamp | None:
    """None for an unknown token and for an inactive member: both get a 404."""
    with connection.cursor() as cursor:
        cursor.execute(MEMBER_SQL, [token])
        row = cursor.fetchone()
    if row is None or not row[1]:
        return None
    return _stamp("member", row, delegation_id=row[5], member_id=row[0], slug=row[6])


def cached_body(stamp: FeedStamp, build) -> bytes:
    """The feed's bytes from the shared cache, or built now and kept for the next client."""
    key = f"feed:{stamp.etag.strip(chr(34))}"
    body = cache.get(key)
    if body is None:
        body = build()
        cache.set(key, body, CACHE_SECONDS)
    return body
