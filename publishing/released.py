"""What delegates see: the latest release of their mission, found from a secret token in one query.

A release never changes, so a feed's or a page's bytes depend only on which release it shows (and
the token it was reached with, which its links carry): that is the ETag and the cache key. Staff
edits reach nobody until they are published.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.utils.dateparse import parse_datetime

from delegations.models import Delegation
from delegations.tokens import token_digest
from itinerary.schedule import Mission
from publishing.models import Release
from publishing.snapshot import mission_from_snapshot

FEED_FORMAT = "5"  # bump when the code changes what a feed looks like

_LATEST = (
    "LEFT JOIN publishing_release r ON r.id = "
    "(SELECT id FROM publishing_release WHERE delegation_id = d.id ORDER BY number DESC LIMIT 1)"
)


@dataclass(frozen=True)
class ReleasedStamp:
    delegation_id: int
    member_id: int | None
    slug: str
    release_id: int | None  # None: nothing published yet
    etag: str  # quoted, ready for the header
    last_modified: datetime
    member_name: str = ""  # the member's (for a file name), with a member's token

    def cache_key(self, variant: str = "ics") -> str:
        """Where `variant` (the feed; a page, a book) of this release is kept once built."""
        return f"{variant}:{self.etag.strip(chr(34))}"


def as_datetime(value) -> datetime:
    """Raw SQL gives aware datetimes on PostgreSQL and naive UTC ones or text on SQLite."""
    parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _stamp(kind: str, token: str, row: tuple, member_id: int | None) -> ReleasedStamp:
    delegation_id, slug, release_id, published_at, created_at = row[:5]
    key = repr(
        (FEED_FORMAT, settings.SITE_URL, kind, delegation_id, member_id, release_id, token_digest(token))
    )
    return ReleasedStamp(
        delegation_id=delegation_id,
        member_id=member_id,
        slug=slug,
        release_id=release_id,
        etag=f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"',
        last_modified=as_datetime(published_at or created_at),
    )


def delegation_stamp(token: str) -> ReleasedStamp | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.id, d.slug, r.id, r.published_at, d.created_at FROM delegations_delegation d {_LATEST}"
            " WHERE d.feed_token_digest = %s",
            [token_digest(token)],
        )
        row = cursor.fetchone()
    return None if row is None else _stamp("delegation", token, row, None)


def member_stamp(token: str) -> ReleasedStamp | None:
    """None for an unknown token and for an inactive member: both get a 404."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.id, d.slug, r.id, r.published_at, d.created_at, m.id, m.is_active, m.full_name"
            f" FROM delegations_member m JOIN delegations_delegation d ON d.id = m.delegation_id {_LATEST}"
            " WHERE m.feed_token_digest = %s",
            [token_digest(token)],
        )
        row = cursor.fetchone()
    if row is None or not row[6]:
        return None
    return replace(_stamp("member", token, row, row[5]), member_name=row[7])


def released_mission(delegation: Delegation, release_id: int | None) -> Mission:
    """The mission as its release froze it; an empty one before anything is published."""
    if release_id is None:
        return Mission(delegation, [], [], [])
    release = Release.objects.only("snapshot", "published_at").get(pk=release_id)
    return mission_from_snapshot(delegation, release.snapshot, as_of=release.published_at)
