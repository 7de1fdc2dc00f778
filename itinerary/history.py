"""Who changed what, read as staff read it (labels, names, local times), and bringing back a meeting
or leg that was deleted."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from django.db import models, transaction
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.utils import get_m2m_reverse_field_name

from delegations.models import Delegation, Organisation
from itinerary.forms import MeetingForm, TravelLegForm
from itinerary.mission_clock import MissionClock, mission_clock
from itinerary.models import DeletedItem, Meeting, TravelLeg
from itinerary.timezones import zone_label
from missionplanner.concurrency import EMPTY_MEANS, local_zone, value_text

# Bookkeeping nobody edits: when a row was written, and the counter calendar clients read.
HIDDEN = {"updated_at", "created_at", "sequence"}
# Saving a form makes one record for the item and one for each attendee or counterpart update after it.
ONE_SAVE = timedelta(seconds=5)
STAFF_FORMS = {Meeting: MeetingForm, TravelLeg: TravelLegForm}


class ChangeTexts:
    """How one model's recorded changes read, the same on the staff pages and in the admin.

    A field goes by its label on the form staff edit it with (Starts, Departs), else its verbose name;
    a value as `value_text` reads it (the label of a choice, the name of a city). A moment reads in
    the zone of the place the same record names, as the form's `local_times` pair them: a leg departs
    in its origin's zone and arrives in its destination's, and a meeting moved from Beijing to Seoul
    shows its old time in Beijing's zone and its new one in Seoul's. Each place is read once.
    """

    def __init__(self, model: type[models.Model], *, form_class=None):
        self.model = model
        form_fields = getattr(form_class, "base_fields", {})
        self.labels = {name: str(field.label) for name, field in form_fields.items() if field.label}
        self.local_times: dict[str, str] = getattr(form_class, "local_times", {})
        self._places: dict[tuple, tzinfo | None] = {}
        self._clocks: dict[int, MissionClock] = {}

    def label(self, name: str) -> str:
        return self.labels.get(name) or capfirst(self.model._meta.get_field(name).verbose_name)

    def zone(self, record, name: str | None = None) -> tzinfo:
        """The zone a record's moment of `name` reads in; without a name, the record's own: its first
        place (a meeting's city, a leg's origin), else `local_zone` (a mission's home office)."""
        place_field = self.local_times.get(name) or next(iter(self.local_times.values()), None)
        if place_field:
            field = self.model._meta.get_field(place_field)
            key = (field.related_model, getattr(record, field.attname))
            if key not in self._places:
                place = field.related_model._base_manager.filter(pk=key[1]).first()
                self._places[key] = local_zone(place) if place is not None else None
            if self._places[key] is not None:
                return self._places[key]
        return local_zone(record.instance)

    def when(self, record) -> str:
        """ "Tue 25 Oct 2016, 14:05 CST, UTC+8": when a record was made, on its mission's clock (where
        the delegation was then: itinerary/mission_clock.py), as releases and notices read."""
        delegation_id = record.delegation_id
        if delegation_id not in self._clocks:
            self._clocks[delegation_id] = mission_clock(Delegation.objects.get(pk=delegation_id))
        return self._clocks[delegation_id].text(record.history_date)

    def lines(self, delta) -> list[tuple[str, str, str]]:
        """(label, old, new) for each field the delta changed, in the model's order of fields."""
        order = {field.name: n for n, field in enumerate(self.model._meta.get_fields())}
        changes = sorted(
            (change for change in delta.changes if change.field not in HIDDEN),
            key=lambda change: order.get(change.field, len(order)),
        )
        return [self._line(change, delta.old_record, delta.new_record) for change in changes]

    def _line(self, change, old_record, new_record) -> tuple[str, str, str]:
        field = self.model._meta.get_field(change.field)
        old, new = _value(field, change.old), _value(field, change.new)
        if not isinstance(field, models.DateTimeField):
            return self.label(field.name), value_text(field, old), value_text(field, new)
        old_zone, new_zone = self.zone(old_record, field.name), self.zone(new_record, field.name)
        old_text, new_text = value_text(field, old, zone=old_zone), value_text(field, new, zone=new_zone)
        if old and new:
            old_local, new_local = old.astimezone(old_zone), new.astimezone(new_zone)
            if old_local.date() == new_local.date():
                new_text = f"{new_local:%H:%M} {zone_label(new_local)}"  # the same day: say it once
        return self.label(field.name), old_text, new_text


def _value(field: models.Field, value):
    """A value from `diff_against` as `value_text` takes it; the admin's has related rows and, for
    several, the rows linking them, where a related row deleted since is a `DeletedObject`."""
    if field.many_to_many and value:
        target = get_m2m_reverse_field_name(field)
        value = [row[target] if isinstance(row, dict) else row for row in value]
        return [item.pk if isinstance(item, DeletedObject) else item for item in value]
    return value.pk if isinstance(value, DeletedObject) else value


class ReadableHistoryAdmin(SimpleHistoryAdmin):
    """The admin's history, its changes read as on the staff pages (`ChangeTexts`), bookkeeping left
    out. Labels and local times come from the admin's own form."""

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        # As simple-history's, with one ChangeTexts for the page, so each place is read once.
        texts = ChangeTexts(self.model, form_class=self.form)
        newer = None
        for record in historical_records:  # newest first
            if newer is not None:
                delta = newer.diff_against(record, foreign_keys_are_objs=foreign_keys_are_objs)
                newer.history_delta_changes = [
                    {"field": label, "old": old, "new": new} for label, old, new in texts.lines(delta)
                ]
            newer = record


@dataclass(frozen=True)
class Change:
    when: datetime
    when_text: str  # on the mission's clock (ChangeTexts.when)
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
    """Whether a record is the attendee or counterpart update that follows the record before it.

    Links are recorded from the row as the save left it, so they share its `updated_at`; a second
    save by the same person a moment later does not.
    """
    return (
        later.history_type == "~"
        and earlier.history_type != "-"
        and later.updated_at == earlier.updated_at
        and later.history_user_id == earlier.history_user_id
        and later.history_date - earlier.history_date < ONE_SAVE
    )


def change_log(item: Meeting | TravelLeg, limit: int = 25) -> list[Change]:
    """The item's history, newest first, each change with the fields, attendees and counterparts it
    touched, as `ChangeTexts` reads them ("Starts: Wed 13 May 09:30 KST, UTC+9 → 10:00 KST, UTC+9").

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
    texts = ChangeTexts(type(item), form_class=STAFF_FORMS[type(item)])
    changes = []
    for save, before in zip(saves, [*saves[1:], None], strict=False):
        record, first = save[0], save[-1]
        previous = before[0] if before else None
        details = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=HIDDEN | set(names))
            details = [f"{label}: {old} → {new}" for label, old, new in texts.lines(delta)]
            for field, by_record in sorted(names.items()):
                old, new = by_record[previous.history_id], by_record[record.history_id]
                if old.keys() != new.keys():
                    empty = EMPTY_MEANS.get(field, "none")
                    old_names = ", ".join(sorted(old.values())) or empty
                    new_names = ", ".join(sorted(new.values())) or empty
                    details.append(f"{texts.label(field)}: {old_names} → {new_names}")
        what = {"+": "created", "~": "changed", "-": "deleted"}[first.history_type]
        if first.history_type == "+" and previous is not None:
            what = "restored"
        who = record.history_user.get_username() if record.history_user else "the system"
        changes.append(
            Change(
                when=record.history_date, when_text=texts.when(record), who=who, what=what, details=details
            )
        )
    return changes[:limit]


@dataclass(frozen=True)
class Deleted:
    kind: str  # "meeting" or "leg", as in the restore URL
    record: object  # the historical record of the deletion
    when_text: str  # when it was deleted, on the mission's clock


def deleted_items(delegation) -> list[Deleted]:
    """The latest deletion record of each meeting and leg of the delegation that is still gone."""
    found = []
    for kind, model in (("meeting", Meeting), ("leg", TravelLeg)):
        texts = ChangeTexts(model, form_class=STAFF_FORMS[model])
        live = set(model.objects.filter(delegation=delegation).values_list("pk", flat=True))
        records = model.history.filter(delegation_id=delegation.pk, history_type="-").order_by(
            "-history_date"
        )
        seen = set()
        for record in records:
            if record.id not in live and record.id not in seen:
                seen.add(record.id)
                found.append(Deleted(kind, record, texts.when(record)))
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
