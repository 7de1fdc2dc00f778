"""The "What changed" box on a delegate's page: their own changes in the latest releases."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from delegations.models import Member
from itinerary.mission_clock import snapshot_clock
from publishing.changes import Changes, changes_between
from publishing.models import Release

LOOK_BACK = 10  # releases read (automatic publishing makes many small ones)
SHOWN = 3  # releases shown


@dataclass(frozen=True)
class ReleaseChanges:
    release: Release
    changes: Changes
    when: str  # "Tue 25 Oct 2016, 14:05 CST, UTC+8": where the delegation was when it was published


def _published_when(release: Release) -> str:
    """When it was published, on the mission's clock: where the delegation was then, else at home."""
    return snapshot_clock(release.snapshot).text(release.published_at)


def recent_changes_for(member: Member) -> list[ReleaseChanges]:
    """Up to three latest releases that changed this member's itinerary, newest first.

    The first release of a mission is where it starts, not a change: it is never listed. What a
    release changed never changes, so it is worked out once per process (`_release_changes`), and
    every member's page after a release reads it from there instead of parsing the snapshots again.
    """
    releases = list(
        Release.objects.filter(delegation_id=member.delegation_id)
        .order_by("-number")
        .values_list("pk", "published_at")[: LOOK_BACK + 1]
    )
    found = []
    for (newer, published_at), (older, _) in pairwise(releases):
        release, changes = _release_changes(older, newer, published_at)
        mine = changes.for_member(member.pk)
        if mine.items or mine.stays:
            found.append(ReleaseChanges(release, mine, _published_when(release)))
            if len(found) == SHOWN:
                break
    return found


@lru_cache(maxsize=256)
def _release_changes(older_id: int, newer_id: int, published_at) -> tuple[Release, Changes]:
    """Keyed by the publishing time too: a database rebuilt from scratch (tests) reuses ids."""
    older, newer = Release.objects.get(pk=older_id), Release.objects.get(pk=newer_id)
    return newer, changes_between(older.snapshot, newer.snapshot)
