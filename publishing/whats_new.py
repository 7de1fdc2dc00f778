"""The "What changed" box on a delegate's page: their own changes in the latest releases."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import pairwise

from delegations.models import Member
from itinerary.mission_clock import snapshot_clock
from publishing.changes import Changes, changes_between
from publishing.models import Release

LOOK_BACK = 10  # releases read (automatic publishing makes many small ones)
SHOWN = 3  # releases shown
# The latest release's changes shown open, while their text stays within this many characters
# (always the first); its others, and older releases, fold away: the box stays short on a phone.
OPEN_CHARACTERS = 280


@dataclass(frozen=True)
class ChangeLine:
    title: str  # the item's title; empty for a hotel
    text: str


@dataclass(frozen=True)
class ReleaseChanges:
    release: Release
    changes: Changes
    when: str  # "Tue 25 Oct 2016, 14:05 CST, UTC+8": where the delegation was when it was published

    @cached_property
    def lines(self) -> list[ChangeLine]:
        """One line per change: items in time order, then hotels."""
        items = [ChangeLine(change.title, " ".join(change.lines)) for change in self.changes.items]
        return items + [ChangeLine("", stay.text) for stay in self.changes.stays]

    @cached_property
    def open_count(self) -> int:
        length, count = 0, 0
        for line in self.lines:
            length += len(line.title) + len(line.text)
            if count and length > OPEN_CHARACTERS:
                break
            count += 1
        return count

    @property
    def open_lines(self) -> list[ChangeLine]:
        return self.lines[: self.open_count]

    @property
    def folded_lines(self) -> list[ChangeLine]:
        return self.lines[self.open_count :]


def _published_when(release: Release) -> str:
    """When it was published, on the mission's clock: where the delegation was then, else at home."""
    return snapshot_clock(release.snapshot).text(release.published_at)


def recent_changes_for(member: Member) -> list[ReleaseChanges]:
    """Up to three latest releases that changed this member's itinerary, newest first.

    Where a mission starts is not a change: neither its first release nor one a load published
    (`Release.loaded`: the demo data's B2B session, an import) is ever listed. What a release
    changed never changes, so it is worked out once per process (`_release_changes`), and every
    member's page after a release reads it from there instead of parsing the snapshots again.
    """
    releases = list(
        Release.objects.filter(delegation_id=member.delegation_id)
        .order_by("-number")
        .values_list("pk", "published_at", "loaded")[: LOOK_BACK + 1]
    )
    found = []
    for (newer, published_at, loaded), (older, _, _) in pairwise(releases):
        if loaded:
            continue
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
