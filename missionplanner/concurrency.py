"""Optimistic concurrency for edit forms: refuse to overwrite a change made since the form was opened,
say who made it and what it was, and let the user choose, field by field, whose value to keep.

Also how a field's value reads to staff (labels for choices, names for related rows, moments in the
local time of their place), which the change history shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from uuid import UUID

from django import forms
from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.text import capfirst
from simple_history.models import HistoricalRecords

from itinerary.timezones import zone_label
from missionplanner.templatetags.mission_tags import staff_name

# What an empty value means, where it means more than "nothing".
EMPTY_MEANS = {"attendees": "whole delegation"}
# Where a thing's own time zone is found: a city's own; a meeting's or stay's city's; a leg's origin's
# (where it departs); a mission's home office's, or its mission's for a member.
ZONE_PATHS = (("zone",), ("city", "zone"), ("origin", "zone"), ("home_zone",), ("delegation", "home_zone"))
THEIRS, YOURS = "theirs", "yours"
OPENED_SALT = "missionplanner.concurrency.opened"


def local_zone(thing) -> tzinfo:
    """The zone staff read this thing's times in (ZONE_PATHS), else the project's (TIME_ZONE): an
    organisation has no place of its own."""
    for path in ZONE_PATHS:
        value = thing
        for attribute in path:
            value = getattr(value, attribute, None)  # also None for a relation not set yet
            if value is None:
                break
        if value is not None:
            return value
    return timezone.get_default_timezone()


def _done_zone(thing, moment: datetime) -> tzinfo:
    """Where a change made at `moment` reads: a mission's, or a thing of a mission's, on the mission's
    clock (itinerary/mission_clock.py); a shared thing (city, organisation) in its own `local_zone`."""
    from itinerary.mission_clock import mission_clock

    delegation = thing if hasattr(thing, "home_timezone") else getattr(thing, "delegation", None)
    return mission_clock(delegation).zone_at(moment) if delegation is not None else local_zone(thing)


def moment_text(moment: datetime, zone: tzinfo) -> str:
    """ "Wed 13 May 09:30 KST, UTC+9": a moment as it reads where it happens."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %H:%M} {zone_label(local)}"


def plain(value):
    """A form's or a model's value as JSON that is equal exactly when the values are: related rows by
    primary key (several as a sorted list), moments in UTC, decimals without trailing zeros."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted(plain(item) for item in value)
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 39.90421 as typed equals 39.904210 as stored
    if isinstance(value, UUID):
        return str(value)
    return value


def value_text(field: models.Field, value, *, zone: tzinfo | None = None) -> str:
    """A model field's value as staff read it: the label of a choice, the names of related rows, yes
    or no, a date with its weekday, a moment in `zone` (else the project's) with its offset.

    `value` is the field's value, a `plain` one, or a related row itself.
    """
    if value is None or value == "" or value == []:
        return EMPTY_MEANS.get(field.name) or ("none" if field.is_relation else "(empty)")
    related = field.related_model._base_manager if field.is_relation else None
    if field.many_to_many:
        rows = [item for item in value if isinstance(item, models.Model)]
        keys = [item for item in value if not isinstance(item, models.Model)]
        rows += list(related.filter(pk__in=keys))
        missing = len(value) - len(rows)
        return ", ".join(sorted(str(row) for row in rows) + ["(deleted)"] * missing)
    if field.is_relation:
        row = value if isinstance(value, models.Model) else related.filter(pk=value).first()
        return str(row) if row is not None else "(deleted)"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return "yes" if value else "no"
    try:
        value = field.to_python(value)
    except ValidationError:
        return str(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment_text(aware, zone or timezone.get_default_timezone())
    if isinstance(value, date):
        return f"{value:%a} {value.day} {value:%b %Y}"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


@dataclass(frozen=True)
class Conflict:
    """A field the other person changed: as the user opened it, as it is now, as the user has it."""

    label: str
    opened: str
    theirs: str
    yours: str
    input_name: str  # of the radio buttons choosing THEIRS or YOURS; "" when there is nothing to ask
    keep: str  # THEIRS or YOURS: the choice the radio buttons show

    @property
    def asks(self) -> bool:
        return bool(self.input_name)


class VersionedModelForm(forms.ModelForm):
    """A ModelForm that refuses to overwrite a change saved since it was opened, and settles it.

    It carries two hidden fields:
    - `version`: the row's `updated_at` when the form was opened. Saving checks it under a row lock
      (SELECT ... FOR UPDATE inside the request's transaction), so two concurrent saves cannot both
      pass;
    - `opened`: the values the form showed, signed (what it says is what the server sent). Not the
      history: cities, stays and organisations keep none, and only the values this form edits
      matter. The row as it is now, compared with them, says what the other person changed.

    When the row changed meanwhile, nothing is saved and `conflicts` lists each field they changed:
    its value as opened, theirs now, the user's; where theirs and the user's differ, a choice, theirs
    by default (the user has not seen their change). What only the user changed stays the user's,
    unasked. The refused form moves `version` to now and `opened` to their values, and `opened` keeps
    the questions until a save succeeds, so a form refused again (or for a mistake elsewhere) still
    asks them: its fields still hold the user's input, so a question dropped would quietly undo their
    change. Saving again applies the choices: "theirs" takes the row's value (unchanged since, or
    `version` refuses again), "yours" the field's input. A form sent without `opened` (opened before
    it existed) asks about every field where theirs and the user's differ.
    """

    version = forms.CharField(widget=forms.HiddenInput, required=False)
    opened = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflicts: list[Conflict] = []
        if self.instance.pk and not self.is_bound:
            self.fields["version"].initial = self.instance.updated_at.isoformat()
            # `initial` holds what the fields show, already read from the row: no query.
            values = {name: plain(self.initial.get(name)) for name in self._edited_fields()}
            self.fields["opened"].initial = self._sign(values=values, asked={})

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk:
            self._settle_concurrent_change(cleaned_data)
        return cleaned_data

    def _edited_fields(self) -> dict[str, models.Field]:
        """The model fields this form edits, by name, in the form's order."""
        fields = {}
        for name in self.fields:
            try:
                field = self._meta.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if isinstance(field, models.Field):
                fields[name] = field
        return fields

    def _row_key(self) -> str:
        return f"{self._meta.model._meta.label_lower}:{self.instance.pk}"

    def _sign(self, *, values: dict, asked: dict) -> str:
        payload = {"row": self._row_key(), "values": values, "asked": asked}
        return signing.dumps(payload, salt=OPENED_SALT, compress=True)

    def _unsign(self, text: str) -> dict | None:
        try:
            payload = signing.loads(text, salt=OPENED_SALT)
        except signing.BadSignature:
            return None
        return payload if payload.get("row") == self._row_key() else None  # not another row's

    def _settle_concurrent_change(self, cleaned_data: dict) -> None:
        model = type(self.instance)
        current = model._default_manager.select_for_update().filter(pk=self.instance.pk).first()
        if current is None:
            raise ValidationError(
                f"This {staff_name(model)} was deleted by someone else. Nothing was saved.",
                code="deleted",
            )
        fields = self._edited_fields()
        opened = self._unsign(cleaned_data.get("opened") or "")
        seen = opened["values"] if opened else None
        # Fields asked about on an earlier refusal, each with its value as the user first opened it
        # ([value]), or [] when that is not known.
        asked = {name: first for name, first in (opened or {}).get("asked", {}).items() if name in fields}
        yours = {name: plain(cleaned_data[name]) for name in fields if name in cleaned_data}
        if cleaned_data.get("version") != current.updated_at.isoformat():
            self._refuse(current, fields, seen=seen, asked=asked, yours=yours)
        if not asked:
            return
        # Unchanged since the user was asked: their choices stand, and the row still holds "theirs".
        theirs = self._values_of(current, fields)
        self.conflicts = [
            self._conflict(
                fields[name],
                current,
                opened=_first_opened(theirs, asked),
                theirs=theirs,
                yours=yours,
                asks=True,
            )
            for name in asked
        ]
        for name, conflict in zip(asked, self.conflicts, strict=True):
            if conflict.keep == THEIRS:
                cleaned_data[name] = self._row_value(current, fields[name])

    def _refuse(self, current, fields: dict, *, seen: dict | None, asked: dict, yours: dict) -> None:
        theirs = self._values_of(current, fields)
        opened = None if seen is None else _first_opened(seen, asked)
        conflicts, still_asked = [], {}
        for name, field in fields.items():
            differs = name not in yours or yours[name] != theirs[name]
            # Without the values opened, every difference may be theirs.
            changed = differs if seen is None else theirs[name] != seen.get(name)
            if not changed and not (name in asked and differs):
                continue  # theirs as the user saw it, or a question since settled by the input
            if differs:
                still_asked[name] = [opened[name]] if opened and name in opened else []
            conflicts.append(
                self._conflict(
                    field, current, opened=opened, theirs=theirs, yours=yours, asks=differs, fresh=changed
                )
            )
        self.conflicts = conflicts
        self.data = self.data.copy()
        self.data[self.add_prefix("version")] = current.updated_at.isoformat()
        self.data[self.add_prefix("opened")] = self._sign(values=theirs, asked=still_asked)
        raise ValidationError(self._refusal(current, asks=bool(still_asked)), code="stale")

    def _values_of(self, row, fields: dict[str, models.Field]) -> dict:
        values = model_to_dict(row, fields=list(fields))
        return {name: plain(values.get(name)) for name in fields}

    @staticmethod
    def _row_value(row, field: models.Field):
        """The row's value as `cleaned_data` holds it: related rows, not keys."""
        if field.many_to_many:
            return list(getattr(row, field.name).all())
        return getattr(row, field.name)

    def _choice(self, name: str) -> str:
        choice = self.data.get(self.add_prefix(f"keep-{name}"))
        return choice if choice in (THEIRS, YOURS) else THEIRS

    def _conflict(
        self, field, current, *, opened: dict | None, theirs: dict, yours: dict, asks: bool, fresh=False
    ) -> Conflict:
        """One line of the list. `opened` and `yours` lack what is not known (a form without `opened`,
        an input that did not validate). A value's moments read in the zone of the place in the same
        values: a meeting moved to Busan shows their time in Busan's zone, the user's in Beijing's."""
        name, fallback = field.name, local_zone(current)

        def text(values: dict | None) -> str:
            if values is None or name not in values:
                return "—"
            return value_text(field, values[name], zone=self._zone(name, values, fallback))

        return Conflict(
            label=str(self.fields[name].label or capfirst(field.verbose_name)),
            opened=text(opened),
            theirs=text(theirs),
            yours=text(yours),
            input_name=self.add_prefix(f"keep-{name}") if asks else "",
            # A change the user has not seen yet starts on theirs, whatever they chose before it.
            keep=THEIRS if fresh else self._choice(name),
        )

    def _zone(self, name: str, values: dict, fallback: tzinfo) -> tzinfo:
        # Forms with local times (itinerary.forms.LocalTimesMixin) say which place each moment is in.
        place_field = getattr(self, "local_times", {}).get(name)
        if place_field and values.get(place_field) is not None:
            model = self._meta.model._meta.get_field(place_field).related_model
            place = model._base_manager.filter(pk=values[place_field]).first()
            if place is not None:
                return local_zone(place)
        return fallback

    def _refusal(self, current, *, asks: bool) -> str:
        noun = staff_name(type(current))
        local = current.updated_at.astimezone(_done_zone(current, current.updated_at))
        when = f"on {local:%a} {local.day} {local:%b} at {local:%H:%M} {zone_label(local)}"
        who, you = _last_saved_by(current)
        if who is None:
            said = f"Someone else changed this {noun} {when}, after you opened it."
        elif who == you:
            said = (
                f"You ({who}) changed this {noun} in another tab or window {when}, after you opened this one."
            )
        else:
            said = f"{who} changed this {noun} {when}, after you opened it."
        then = (
            "Choose below, for each field they changed, whether to keep theirs or yours, then save again."
            if asks
            else "They made the same changes as you: save again to keep the rest of your input."
        )
        return f"{said} Nothing was saved and your input is kept. {then}"


def _first_opened(values: dict, asked: dict) -> dict:
    """`values` with each asked field's value as first opened, or without it where that is unknown."""
    opened = dict(values)
    for name, first in asked.items():
        if first:
            opened[name] = first[0]
        else:
            opened.pop(name, None)
    return opened


def _last_saved_by(row) -> tuple[str | None, str | None]:
    """Who saved the row last, if its history says (cities, stays and organisations keep none), and
    who is asking: the user simple-history's middleware holds for recording saves."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    you = user.get_username() if user is not None and user.is_authenticated else None
    manager = getattr(type(row)._meta, "simple_history_manager_attribute", None)
    if manager is None:
        return None, you
    record = (
        getattr(row, manager)
        .filter(history_date__gte=row.updated_at)  # recorded after the save set updated_at
        .select_related("history_user")
        .order_by("-history_date")
        .first()
    )
    if record is None or record.history_user is None:
        return None, you  # saved outside a request: a script, an update() query
    return record.history_user.get_username(), you
