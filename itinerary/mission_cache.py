"""How staff outputs know that a mission changed: its *row versions*. Also a loaded mission kept in
this process, used only while no row it was read from has changed.

A mission's row versions are the id and `updated_at` of every row `load_mission` reads (the
delegation; its meetings, legs, stays and members; the cities and organisations they and the
organiser use) and every link it reads (attendees, counterparts), as the database returns them, no
model built: two narrow queries for one mission or many. Every save moves its row's `updated_at`
(auto_now, and the feed-history touches set it too): the stale-edit checks of the forms and of the
board already rest on that. So equal versions mean equal rows. Their digest, `mission_stamp`, keys
every cached output of the working copy: the board's data, the "not yet published" count, the staff
book and the dashboard's conflict count (tests/feeds/test_stamps.py changes every field of every
model and checks that the stamp moves).

Why each row's version rather than one revision number or a MAX() of the versions: a MAX() misses a
transaction that commits after a later one (its `updated_at` is older than the maximum already
seen), and a per-delegation counter would need every writer to bump it in its own transaction
(holding a lock on the delegation row that imports and forms would then take in different orders)
or after its commit (a process that dies in between leaves a stale mission in every other process).
Versions read from the rows themselves need neither (tests/test_postgresql.py commits two edits
out of order and checks every cached output). They are read before what is built from them, so
what is kept under a stamp is never older than the stamp: a row changed in between has a newer
version by the next read, hence a new key.

A board move answers with the conflicts of the whole mission: conflicts.py follows each member from
item to item across days (a missing leg can span a week), so no window of days around the moved item
gives the same findings. Loading a 1,000-meeting mission costs ~50 ms, nearly all of it building
model instances; reading which rows changed costs two narrow queries and a few milliseconds. So
`current_mission` keeps a mission with the versions it was read from, and equal versions mean the
kept mission is exactly what `load_mission` would read now.

When only some meetings or legs changed (a move; someone's edit of another item), those are read
again and their entries rebuilt, keeping attendees and counterparts (the links are unchanged);
anything else (a stay, a member, an attendee, a city, an item added or deleted) reloads the mission.
Versions are read before the rows they describe, so what is kept is never older than its versions:
a row changed in between has a newer version by the next read and is read again then.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache

from django.core.cache import cache as django_cache
from django.db import connection

from delegations.models import Delegation, Member, Organisation
from itinerary.models import City, Meeting, MeetingCounterpart, Stay, TravelLeg
from itinerary.schedule import Entry, Mission, load_mission

KEPT_MISSIONS = 16  # a few missions a process: each 1,000-meeting mission is a few megabytes
CACHE_SECONDS = 24 * 3600  # of a built output: a new stamp is a new key, so only memory bounds it


@dataclass(frozen=True)
class RowVersions:
    # ("meeting", 12): its updated_at as text (a datetime column read raw is parsed row by row)
    rows: dict[tuple[str, int], str]
    links: frozenset[tuple[int, int, int]]  # (which link table, item id, member or organisation id)

    def changed_items(self, kept: RowVersions) -> dict[str, set[int]] | None:
        """The meetings and legs whose rows changed since `kept`; None when anything else changed."""
        if self.links != kept.links or self.rows.keys() != kept.rows.keys():
            return None
        changed: dict[str, set[int]] = {"meeting": set(), "leg": set()}
        for key, version in self.rows.items():
            if kept.rows[key] != version:
                if key[0] not in changed:
                    return None
                changed[key[0]].add(key[1])
        return changed

    def digest(self) -> str:
        """The same for equal versions in any process (no hash randomisation: sorted, then sha256)."""
        text = repr((sorted(self.rows.items()), sorted(self.links)))
        return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class _Kept:
    versions: RowVersions
    mission: Mission


_kept: OrderedDict[int, _Kept] = OrderedDict()
_lock = threading.Lock()


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


def _placeholders(count: int) -> str:
    return ", ".join(f"%(d{n})s" for n in range(count))


@cache
def _rows_sql(count: int) -> str:
    """Every row a mission's outputs read, with its version, for `count` missions (first column)."""
    meeting, leg, stay, member = _table(Meeting), _table(TravelLeg), _table(Stay), _table(Member)
    counterpart, ids = _table(MeetingCounterpart), _placeholders(count)
    return f"""
        SELECT id, 'delegation', id, CAST(updated_at AS TEXT) FROM {_table(Delegation)} WHERE id IN ({ids})
        UNION ALL SELECT delegation_id, 'meeting', id, CAST(updated_at AS TEXT)
            FROM {meeting} WHERE delegation_id IN ({ids})
        UNION ALL SELECT delegation_id, 'leg', id, CAST(updated_at AS TEXT)
            FROM {leg} WHERE delegation_id IN ({ids})
        UNION ALL SELECT delegation_id, 'stay', id, CAST(updated_at AS TEXT)
            FROM {stay} WHERE delegation_id IN ({ids})
        UNION ALL SELECT delegation_id, 'member', id, CAST(updated_at AS TEXT)
            FROM {member} WHERE delegation_id IN ({ids})
        UNION ALL SELECT used.d, 'city', c.id, CAST(c.updated_at AS TEXT) FROM {_table(City)} c JOIN (
            SELECT delegation_id AS d, city_id AS city FROM {meeting} WHERE delegation_id IN ({ids})
            UNION SELECT delegation_id, origin_id FROM {leg} WHERE delegation_id IN ({ids})
            UNION SELECT delegation_id, destination_id FROM {leg} WHERE delegation_id IN ({ids})
            UNION SELECT delegation_id, city_id FROM {stay} WHERE delegation_id IN ({ids})
        ) used ON used.city = c.id
        UNION ALL SELECT used.d, 'organisation', o.id, CAST(o.updated_at AS TEXT)
            FROM {_table(Organisation)} o JOIN (
            SELECT id AS d, organiser_id AS organisation FROM {_table(Delegation)} WHERE id IN ({ids})
            UNION SELECT delegation_id, organisation_id FROM {member} WHERE delegation_id IN ({ids})
            UNION SELECT m.delegation_id, c.organisation_id FROM {counterpart} c
                JOIN {meeting} m ON m.id = c.meeting_id WHERE m.delegation_id IN ({ids})
        ) used ON used.organisation = o.id
    """


@cache
def _links_sql(count: int) -> str:
    meeting, leg, ids = _table(Meeting), _table(TravelLeg), _placeholders(count)
    meeting_people, leg_people = Meeting.attendees.through, TravelLeg.attendees.through
    counterpart = MeetingCounterpart
    return f"""
        SELECT m.delegation_id, 0, a.{_column(meeting_people, "meeting")},
            a.{_column(meeting_people, "member")}
            FROM {_table(meeting_people)} a JOIN {meeting} m ON m.id = a.{_column(meeting_people, "meeting")}
            WHERE m.delegation_id IN ({ids})
        UNION ALL SELECT l.delegation_id, 1, a.{_column(leg_people, "travelleg")},
            a.{_column(leg_people, "member")}
            FROM {_table(leg_people)} a JOIN {leg} l ON l.id = a.{_column(leg_people, "travelleg")}
            WHERE l.delegation_id IN ({ids})
        UNION ALL SELECT m.delegation_id, 2, c.{_column(counterpart, "meeting")},
            c.{_column(counterpart, "organisation")}
            FROM {_table(counterpart)} c JOIN {meeting} m ON m.id = c.{_column(counterpart, "meeting")}
            WHERE m.delegation_id IN ({ids})
    """


def row_versions_of(delegation_ids: list[int]) -> dict[int, RowVersions]:
    """What `load_missions` would read for these missions, as each row's version: two queries."""
    ids = sorted(set(delegation_ids))
    if not ids:
        return {}
    params = {f"d{n}": pk for n, pk in enumerate(ids)}
    rows: dict[int, dict] = {pk: {} for pk in ids}
    links: dict[int, set] = {pk: set() for pk in ids}
    with connection.cursor() as cursor:
        cursor.execute(_rows_sql(len(ids)), params)
        for delegation_id, kind, pk, version in cursor.fetchall():
            rows[delegation_id][(kind, pk)] = version
        cursor.execute(_links_sql(len(ids)), params)
        for delegation_id, *link in cursor.fetchall():
            links[delegation_id].add(tuple(link))
    return {pk: RowVersions(rows=rows[pk], links=frozenset(links[pk])) for pk in ids}


def row_versions(delegation_id: int) -> RowVersions:
    """What `load_mission` would read, summed up as each row's version: two queries at any size."""
    return row_versions_of([delegation_id])[delegation_id]


def mission_stamps(delegation_ids: list[int]) -> dict[int, str]:
    """Each mission's stamp: a digest of its row versions, so equal stamps mean an equal working
    copy, whatever order the edits committed in. The key of every cached staff output."""
    return {pk: versions.digest() for pk, versions in row_versions_of(delegation_ids).items()}


def mission_stamp(delegation: Delegation) -> str:
    return mission_stamps([delegation.pk])[delegation.pk]


def cached_body(key: str, build) -> bytes:
    """Bytes kept in the shared cache under `key` (a stamp and what was built), or built now."""
    body = django_cache.get(key)
    if body is None:
        body = build()
        django_cache.set(key, body, CACHE_SECONDS)
    return body


def _with_items_reloaded(mission: Mission, changed: dict[str, set[int]]) -> Mission | None:
    """The mission with the entries of the changed meetings and legs rebuilt from their rows now.

    Their attendees and counterparts are the kept entries' own: the links did not change. None when
    one of them is gone meanwhile (the caller loads the whole mission instead).
    """
    items = []
    if changed["meeting"]:
        items += Meeting.objects.filter(pk__in=changed["meeting"]).select_related("city")
    if changed["leg"]:
        items += TravelLeg.objects.filter(pk__in=changed["leg"]).select_related("origin", "destination")
    if len(items) != len(changed["meeting"]) + len(changed["leg"]):
        return None
    kept = {entry.key: entry for entry in mission.entries}
    for item in items:
        before = kept[f"{'leg' if isinstance(item, TravelLeg) else 'meeting'}-{item.pk}"]
        kept[before.key] = Entry.of(item, before.attendee_ids, before.counterparts)
    entries = sorted(kept.values(), key=lambda entry: (entry.starts_at, entry.ends_at, entry.key))
    # A new Mission: the kept one may be in use by another request of this process.
    return Mission(mission.delegation, mission.members, mission.stays, entries)


def current_mission(delegation: Delegation) -> Mission:
    """The working copy as `load_mission` would read it now, from this process's copy when it can.

    Costs two queries when nothing changed, one or two more when only meetings or legs did, and a
    whole load otherwise. Inside a transaction it sees that transaction's own writes, as a load
    would; a copy made from writes that are then rolled back is never used again, since no row ever
    has their versions.
    """
    versions = row_versions(delegation.pk)
    with _lock:
        kept = _kept.get(delegation.pk)
    mission = None
    if kept is not None:
        changed = versions.changed_items(kept.versions)
        if changed is not None:
            mission = (
                kept.mission if not any(changed.values()) else _with_items_reloaded(kept.mission, changed)
            )
    if mission is None:
        # The delegation too is read after the versions: the caller's copy may be older than them.
        mission = load_mission(Delegation.objects.get(pk=delegation.pk))
    with _lock:
        _kept[delegation.pk] = _Kept(versions, mission)
        _kept.move_to_end(delegation.pk)
        while len(_kept) > KEPT_MISSIONS:
            _kept.popitem(last=False)
    return mission
