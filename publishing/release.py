"""Publish the working copy as a release: the one place a release is written.

A release freezes what delegates see (`publishing.snapshot`) under the next number. Publishing
locks the delegation's row, so two staff pressing "Publish" at once get two consecutive releases,
or one and "nothing to publish", never two releases with one number.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from delegations.models import Delegation
from itinerary.schedule import load_mission
from missionplanner.text import without_nul
from publishing.changes import Changes, changes_between
from publishing.models import Release
from publishing.snapshot import snapshot_of


def latest_release(delegation: Delegation) -> Release | None:
    return delegation.releases.order_by("-number").first()


def working_snapshot(delegation: Delegation, *, previous: dict | None) -> dict:
    return snapshot_of(load_mission(delegation), previous=previous)


def pending_changes(delegation: Delegation) -> Changes:
    """What the next release would change for delegates."""
    latest = latest_release(delegation)
    previous = latest.snapshot if latest else None
    return changes_between(previous, working_snapshot(delegation, previous=previous))


@transaction.atomic
def release_publish(
    *,
    delegation: Delegation,
    note: str = "",
    by=None,
    automatic: bool = False,
    notify: bool = True,
    loaded: bool = False,
) -> Release | None:
    """Publish what changed since the last release; None when delegates would see nothing new.

    With `notify`, the members concerned are told: at once for a release a person published, after
    a quiet spell for automatic ones (publishing.notices). The first release of a mission that
    already existed (data migration) is published without notices. A `loaded` release (the mission,
    or part of it, arriving from the demo data or an import) is where delegates start, not a change:
    nobody is told, and it never shows under "What changed" (publishing.whats_new).
    """
    notify = notify and not loaded
    Delegation.objects.select_for_update().filter(pk=delegation.pk).first()
    latest = latest_release(delegation)
    previous = latest.snapshot if latest else None
    snapshot = working_snapshot(delegation, previous=previous)
    if previous is not None and snapshot == previous:
        return None
    release = Release.objects.create(
        delegation=delegation,
        number=latest.number + 1 if latest else 1,
        note=without_nul(note).strip(),  # PostgreSQL cannot store a NUL in text
        published_by=by,
        published_at=timezone.now(),
        automatic=automatic,
        loaded=loaded,
        snapshot=snapshot,
        noticed=not notify,
    )
    if notify:
        from publishing.notices import notices_schedule

        notices_schedule(release)
    return release
