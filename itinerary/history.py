"""Who changed a meeting or leg and how, and bringing back one that was deleted."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from delegations.models import Organisation
from itinerary.models import DeletedItem, Meeting, TravelLeg

HIDDEN = {"updated_at", "created_at"}
# Saving a form makes one record for the item and one for each attendee or counterpart update after it.
ONE_SAVE = timedelta(seconds=5)
EMPTY = {"attendees": "whole delegation", "counterparts": "none"}


@dataclass(frozen=True)
class Change:
    when: datetime
    who: str
    what: str  # "created", "changed", "deleted", "restored"
    details: list[str]


def _linked_names(records) -> dict[str, dict[int, dict[int, str]]]:
    """Attendees and counterparts of each record by field, history_id and id, with their names."""
    names = {}
    for field in records[0]._history_m2m_fields if records else ():
        target = field.m2m_reverse_field_name()  # "member" or "organisation"
        rows = getattr(type(records[0]), field.name).filter(history__in=records).select_related(target)
        by_record = defaultdict(dict)
        for row in rows:
            linked = getattr(row, target)  # None once deleted (the history keeps no constraint)
            by_record[row.history_id][getattr(row, f"{target}_id")] = str(linked) if linked else "(deleted)"
        names[field.name] = by_record
    return names


def _same_save(later, earlier) -> bool:
    """Whether a record is the attendee or counterpart update that follows the record before it."""
    return (
        later.history_type == "~"
        and earlier.history_type != "-"
        and later.history_user_id == earlier.history_user_id
        and later.history_date - earlier.history_date < ONE_SAVE
    )


def change_log(item: Meeting | TravelLeg, limit: int = 25) -> list[Change]:
    """The item's history, newest first, each change with the fields, attendees and counterparts it touched.

    One save makes several records (the item, then each attendee or counterpart update), so records
    by the same person within a few seconds count as one change.
    """
    fetch = (limit + 1) * 5
    records = list(
        item.history.select_related("history_user").order_by("-history_date", "-history_id")[:fetch]
    )
    saves = []
    for record in records:
        if saves and _same_save(saves[-1][-1], record):
            saves[-1].append(record)
        else:
            saves.append([record])
    if len(records) == fetch:
        saves.pop()  # may have begun before the records fetched
    names = _linked_names(records)
    changes = []
    for save, before in zip(saves, [*saves[1:], None], strict=False):
        record, first = save[0], save[-1]
        previous = before[0] if before else None
        details = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=HIDDEN | set(names))
            details = [f"{c.field.replace('_', ' ')}: {c.old} → {c.new}" for c in delta.changes]
            for field, by_record in sorted(names.items()):
                old, new = by_record[previous.history_id], by_record[record.history_id]
                if old.keys() != new.keys():
                    old_names = ", ".join(sorted(old.values())) or EMPTY[field]
                    new_names = ", ".join(sorted(new.values())) or EMPTY[field]
                    details.append(f"{field}: {old_names} → {new_names}")
        what = {"+": "created", "~": "changed", "-": "deleted"}[first.history_type]
        if first.history_type == "+" and previous is not None:
            what = "restored"
        who = record.history_user.get_username() if record.history_user else "the system"
        changes.append(Change(when=record.history_date, who=who, what=what, details=details))
    return changes[:limit]


@dataclass(frozen=True)
class Deleted:
    kind: str  # "meeting" or "leg", as in the restore URL
    record: object  # the historical record of the deletion


def deleted_items(delegation) -> list[Deleted]:
    """The latest deletion record of each meeting and leg of the delegation that is still gone."""
    found = []
    for kind, model in (("meeting", Meeting), ("leg", TravelLeg)):
        live = set(model.objects.filter(delegation=delegation).values_list("pk", flat=True))
        records = model.history.filter(delegation_id=delegation.pk, history_type="-").order_by(
            "-history_date"
        )
        seen = set()
        for record in records:
            if record.id not in live and record.id not in seen:
                seen.add(record.id)
                found.append(Deleted(kind, record))
    return sorted(found, key=lambda deleted: deleted.record.history_date, reverse=True)


@transaction.atomic
def item_restore(*, record) -> Meeting | TravelLeg:
    """Bring a deleted meeting or leg back as it was: UID, attendees, counterparts, a higher SEQUENCE.

    Calendars hold it as cancelled (its DeletedItem); the restored version must outrank that copy.
    Attendees and counterparts come from the deletion record: the attendees who are still members of
    the delegation, the counterparts whose organisation still exists (one nothing uses any more can
    be deleted meanwhile). A deletion recorded before history kept them brings back the tombstone's
    attendees and no counterparts.
    """
    item = record.instance
    tombstone = DeletedItem.objects.filter(uid=item.uid).first()
    item.sequence = (tombstone.sequence if tombstone else item.sequence) + 1
    item.full_clean(validate_unique=False)
    item.save(force_insert=True)
    attendee_ids = [row.member_id for row in record.attendees.all()]
    if not attendee_ids and tombstone:
        attendee_ids = tombstone.attendee_ids
    members = set(item.delegation.members.values_list("pk", flat=True))
    item.attendees.set([pk for pk in attendee_ids if pk in members])
    if isinstance(item, Meeting):
        organisation_ids = [row.organisation_id for row in record.counterparts.all()]
        item.counterparts.set(Organisation.objects.filter(pk__in=organisation_ids))
    if tombstone:
        tombstone.delete()
    return item
