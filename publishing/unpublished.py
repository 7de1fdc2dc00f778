"""How many changes the next release would carry: the banner of every staff page of a mission, and
part of the answer to each move on the planning board.

The count is `len(changes_between(release, snapshot_of(mission, previous=release)))`, and it is
worked out with those very functions, in parts that this process remembers:
- each item's own change, which depends on nothing but the item's row (its `updated_at` moves with
  every field), its attendees and counterparts, the release's copy of it, and what both sides say
  of the cities, organisations and members it names (the *context*);
- the rest: items in the release that the mission no longer has, stays, the mission's details.
A board move changes one item, so the count after it compares that item with the release, not a
thousand (a whole comparison costs ~70 ms at 1,000 meetings). When the context changes (a member,
a stay, a city's name) or a new release is published, everything is compared again.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from django.db.models import TextField
from django.db.models.functions import Cast

from delegations.models import Delegation
from itinerary.schedule import Entry, Mission
from publishing.changes import changes_between
from publishing.models import Release
from publishing.snapshot import snapshot_context, snapshot_of

KEPT_TALLIES = 16
KEPT_SNAPSHOTS = 8  # parsed, a 1,000-meeting release is a few megabytes


@dataclass
class _Tally:
    """What one mission's count was made of, against one release and one context."""

    previous: dict | None  # the release's snapshot, this very object (see release_snapshot)
    context: dict
    items: dict[str, tuple[tuple, bool]] = field(default_factory=dict)  # key: (its version, changed?)
    rest: tuple[frozenset[str], int] | None = None  # (the keys of the mission's items, other changes)


_tallies: OrderedDict[int, _Tally] = OrderedDict()
_lock = threading.Lock()


def _version(entry: Entry) -> tuple:
    """What an item's snapshot row is made of, beside the context: equal versions, equal rows."""
    return (entry.item.updated_at, entry.attendee_ids, tuple(org.id for org in entry.counterparts))


def _restricted(previous: dict | None, keep) -> dict | None:
    """The release with only the items `keep` accepts; everything else (names, members) as it is."""
    if previous is None:
        return None
    return {**previous, "items": [row for row in previous["items"] if keep(row["uid"])]}


def _item_changes(mission: Mission, entries: list[Entry], previous: dict | None, context: dict) -> set[str]:
    """The keys of those `entries` that changed since the release."""
    uids = {str(entry.item.uid): entry.key for entry in entries}
    before = _restricted(previous, uids.__contains__)
    part = Mission(mission.delegation, mission.members, mission.stays, entries)
    changes = changes_between(before, snapshot_of(part, previous=before, context=context))
    return {uids[change.uid] for change in changes.items}


def _other_changes(mission: Mission, previous: dict | None, context: dict) -> int:
    """Changes that are not about the mission's present items: items of the release it no longer
    has (they come back deleted), stays, the mission's details, members, names of places."""
    present = {str(entry.item.uid) for entry in mission.entries}
    before = _restricted(previous, lambda uid: uid not in present)
    part = Mission(mission.delegation, mission.members, mission.stays, [])
    return len(changes_between(before, snapshot_of(part, previous=before, context=context)))


def latest_release(delegation: Delegation) -> int | None:
    """The latest release's id: one small query, no snapshot read."""
    return delegation.releases.values_list("pk", flat=True).first()


_parsed: OrderedDict[str, dict] = OrderedDict()  # a snapshot's text: what it reads as


def release_snapshot(release_id: int) -> dict:
    """A release's snapshot (nothing may mutate it), read as text and parsed once per process.

    The text is still read every time: it costs a tenth of parsing it (5–10 ms at 1,000 meetings),
    keeps the same queries in every process, and no id given again by a rebuilt database (tests)
    can bring back another release's snapshot: equal text, the same object.
    """
    text = Release.objects.filter(pk=release_id).values_list(Cast("snapshot", TextField()), flat=True).get()
    with _lock:
        snapshot = _parsed.get(text)
    if snapshot is None:
        snapshot = json.loads(text)
        with _lock:
            _parsed[text] = snapshot
            while len(_parsed) > KEPT_SNAPSHOTS:
                _parsed.popitem(last=False)
    return snapshot


def unpublished_changes_count(mission: Mission, *, release_id: int | None) -> int:
    """How many changes publishing the working copy `mission` would release after release
    `release_id` (from `latest_release`; None before the first): the same number as
    `len(changes_between(previous, snapshot_of(mission, previous=previous)))` with that release's
    snapshot as `previous`, which tests check."""
    previous = release_snapshot(release_id) if release_id is not None else None
    context = snapshot_context(mission)
    delegation_id = mission.delegation.pk
    with _lock:
        tally = _tallies.get(delegation_id)
        if tally is None or tally.previous is not previous or tally.context != context:
            tally = _Tally(previous=previous, context=context)
        _tallies[delegation_id] = tally
        _tallies.move_to_end(delegation_id)
        while len(_tallies) > KEPT_TALLIES:
            _tallies.popitem(last=False)
    known, counted, stale = tally.items, {}, []
    for entry in mission.entries:
        version = _version(entry)
        was = known.get(entry.key)
        if was is not None and was[0] == version:
            counted[entry.key] = was
        else:
            stale.append(entry)
    if stale:
        changed = _item_changes(mission, stale, previous, context)
        for entry in stale:
            counted[entry.key] = (_version(entry), entry.key in changed)
    rest = tally.rest
    if rest is None or rest[0] != counted.keys():
        rest = (frozenset(counted), _other_changes(mission, previous, context))
    # New objects rather than updates in place: another request of this process may be reading them.
    tally.items, tally.rest = counted, rest
    return sum(changed for _, changed in counted.values()) + rest[1]
