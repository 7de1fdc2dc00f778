"""Who changed a meeting or leg and how, and bringing back one that was deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from itinerary.models import DeletedItem, Meeting, TravelLeg

HIDDEN = {"updated_at", "created_at"}


@dataclass(frozen=True)
class Change:
    when: datetime
    who: str
    what: str  # "created", "changed", "deleted"
    details: list[str]


def change_log(item: Meeting | TravelLeg, limit: int = 25) -> list[Change]:
    """The item's history, newest first, each change with the fields it touched."""
    records = list(
        item.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    changes = []
    for record, previous in zip(records, [*records[1:], None], strict=False):
        details = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=HIDDEN)
            details = [f"{c.field.replace('_', ' ')}: {c.old} → {c.new}" for c in delta.changes]
        what = {"+": "created", "~": "changed", "-": "deleted"}[record.history_type]
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
    """Bring a deleted meeting or leg back as it was, with its UID, attendees and a higher SEQUENCE.

    Calendars hold it as cancelled (its DeletedItem); the restored version must outrank that copy.
    Counterparts are not kept in history and come back empty.
    """
    item = record.instance
    tombstone = DeletedItem.objects.filter(uid=item.uid).first()
    item.sequence = (tombstone.sequence if tombstone else item.sequence) + 1
    item.full_clean(validate_unique=False)
    item.save(force_insert=True)
    if tombstone:
        active = set(item.delegation.members.values_list("pk", flat=True))
        item.attendees.set([pk for pk in tombstone.attendee_ids if pk in active])
        tombstone.delete()
    return item
