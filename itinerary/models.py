"""Where and when: cities, stays, meetings and travel legs."""

import uuid
from datetime import UTC, date, datetime
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from delegations.models import Delegation, Member, Organisation
from itinerary.timezones import validate_timezone, zone
from missionplanner.text import single_line


class City(models.Model):
    """A place the delegation visits. It owns the time zone that every item in it is shown in."""

    name = models.CharField(validators=[single_line], max_length=100)
    local_name = models.CharField(validators=[single_line], max_length=100, blank=True, help_text="e.g. 北京")
    country = models.CharField(validators=[single_line], max_length=100)
    timezone = models.CharField(
        max_length=64, validators=[validate_timezone], help_text="IANA time zone, e.g. Asia/Shanghai."
    )
    latitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)  # its row version (mission_cache.py)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "cities"
        constraints = [
            models.UniqueConstraint(
                "name",
                "country",
                name="city_unique_name_per_country",
                violation_error_message="This city already exists in this country.",
            ),
            models.CheckConstraint(condition=~Q(timezone=""), name="city_timezone_not_empty"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="city_latitude_in_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="city_longitude_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.local_name})" if self.local_name else self.name

    @property
    def zone(self):
        return zone(self.timezone)


class Stay(models.Model):
    """A delegation's nights in one city. Consecutive stays share only the changeover day."""

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="stays")
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="stays")
    arrival_date = models.DateField()
    departure_date = models.DateField()
    hotel_name = models.CharField(validators=[single_line], max_length=200, blank=True)
    hotel_address = models.CharField(validators=[single_line], max_length=300, blank=True)
    hotel_local_address = models.CharField(
        validators=[single_line], max_length=300, blank=True, help_text="For drivers, e.g. in Chinese."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["delegation", "arrival_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(departure_date__gte=F("arrival_date")),
                name="stay_departs_after_arrival",
                violation_error_message="The departure date cannot be before the arrival date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.city.name}, {self.arrival_date:%d %b} – {self.departure_date:%d %b %Y}"

    def clean(self) -> None:
        super().clean()
        if not (self.arrival_date and self.departure_date and self.delegation_id):
            return
        delegation = self.delegation
        if self.arrival_date < delegation.start_date or self.departure_date > delegation.end_date:
            raise ValidationError(
                "The stay must fall within the mission's dates (%(dates)s).",
                params={"dates": delegation.dates_label},
                code="outside_delegation",
            )
        # Overlap on the changeover day is the normal case (check out of one hotel, into the next).
        overlapping = Stay.objects.filter(
            delegation_id=self.delegation_id,
            arrival_date__lt=self.departure_date,
            departure_date__gt=self.arrival_date,
        ).exclude(pk=self.pk)
        if overlapping.exists():
            raise ValidationError(
                "This stay overlaps %(other)s; stays may share only the changeover day.",
                params={"other": overlapping.select_related("city").first()},
                code="overlapping_stay",
            )

    def covers(self, day: date) -> bool:
        return self.arrival_date <= day <= self.departure_date


def _comparable(value):
    """Datetimes in UTC: PEP 495 makes an ambiguous local time unequal to the same instant elsewhere."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return value


class ItemHistory(HistoricalRecords):
    """History of a meeting or leg that also keeps its attendees and counterparts.

    Three gaps in plain m2m_fields are closed here:
    - a change made from the other side (member.meetings.add) is recorded on the items it touched
      (simple-history would try to record the member with the meeting's fields, and fail);
    - Django removes the link rows before it reports the item deleted (post_delete), so they are read
      in pre_delete and written with the deletion record, which restoring reads them from;
    - link rows saved or deleted one by one (the admin's counterpart inline) send no m2m_changed, so
      their own post_save and post_delete record the change.
    """

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if sender is not self.cls:
            return
        for field in self.get_m2m_fields_from_model(sender):
            through = field.remote_field.through
            if not through._meta.auto_created:
                receiver = partial(self._link_saved_or_deleted, field=field)
                models.signals.post_save.connect(receiver, sender=through, weak=False)
                models.signals.post_delete.connect(receiver, sender=through, weak=False)

    def _link_saved_or_deleted(self, instance, field, raw=False, origin=None, **kwargs):
        deleting = origin.model if isinstance(origin, models.QuerySet) else type(origin)
        if raw or deleting not in (type(None), type(instance)):
            return  # loading data, or the item itself (or its whole mission) is being deleted
        self.create_historical_record(getattr(instance, field.m2m_field_name()), "~")

    def m2m_changed(self, instance, action, attr, pk_set, reverse, model=None, **kwargs):
        if not reverse:
            super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)
            return
        # Changed from the member's or organisation's side: the items it touched are what changed.
        if action == "pre_clear":
            instance._items_before_clear = list(model.objects.filter(**{attr: instance}))
            return
        if action == "post_clear":
            items = instance.__dict__.pop("_items_before_clear", [])
        elif action in ("post_add", "post_remove"):
            items = model.objects.filter(pk__in=pk_set)
        else:
            return
        for item in items:
            super().m2m_changed(item, action, attr, pk_set, reverse=False)

    def pre_delete(self, instance, origin=None, **kwargs):
        super().pre_delete(instance, origin=origin, **kwargs)
        rows = {
            field.name: field.remote_field.through.objects.filter(**{field.m2m_field_name(): instance.pk})
            for field in self.get_m2m_fields_from_model(type(instance))
        }
        # When the whole mission goes, nothing can come back: spare a query per item.
        mission_goes = isinstance(origin, Delegation)
        instance._links_before_delete = {name: [] if mission_goes else list(qs) for name, qs in rows.items()}

    def create_historical_record_m2ms(self, history_instance, instance):
        links = getattr(instance, "_links_before_delete", None)
        if history_instance.history_type != "-" or links is None:
            super().create_historical_record_m2ms(history_instance, instance)
            return
        for field in history_instance._history_m2m_fields:
            model = self.m2m_models[field]
            columns = [f.attname for f in field.remote_field.through._meta.fields]
            model.objects.bulk_create(
                model(history=history_instance, **{name: getattr(row, name) for name in columns})
                for row in links[field.name]
            )


class ItemStatus(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    TENTATIVE = "tentative", "Tentative"
    CANCELLED = "cancelled", "Cancelled"


class ScheduledItem(models.Model):
    """What meetings and travel legs share: a stable UID and a SEQUENCE for calendar clients.

    SEQUENCE grows whenever a field in SEQUENCE_FIELDS changes (time, place or status), so that
    calendar clients replace their copy instead of keeping the old one (RFC 5545, 3.8.7.4). The bump
    happens in save(), the one path every write takes (forms, admin, services, demo loader).
    """

    SEQUENCE_FIELDS: tuple[str, ...] = ()

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="%(class)ss")
    attendees = models.ManyToManyField(
        Member,
        blank=True,
        related_name="%(class)ss",
        help_text="Leave empty when the whole delegation attends.",
    )
    status = models.CharField(max_length=20, choices=ItemStatus.choices, default=ItemStatus.CONFIRMED)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # Attendee changes right after creation are part of creating, not news for anyone's feed.
        self._just_created = self._state.adding
        if self.pk and not self._state.adding and self.sequence_fields_changed():
            with transaction.atomic():
                # Read the stored number under a row lock, so two concurrent saves cannot both
                # write the same SEQUENCE (SQLite serialises writers with IMMEDIATE transactions).
                stored = type(self).objects.select_for_update().filter(pk=self.pk)
                self.sequence = (stored.values_list("sequence", flat=True).first() or 0) + 1
                super().save(*args, **kwargs)
        else:
            super().save(*args, **kwargs)
        self._loaded = {name: getattr(self, name) for name in self.SEQUENCE_FIELDS}

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded = {
            name: getattr(instance, name) for name in cls.SEQUENCE_FIELDS if name in field_names
        }
        return instance

    def sequence_fields_changed(self) -> bool:
        loaded = getattr(self, "_loaded", None)
        if not loaded:
            return False
        return any(_comparable(getattr(self, name)) != _comparable(value) for name, value in loaded.items())

    @property
    def is_cancelled(self) -> bool:
        return self.status == ItemStatus.CANCELLED

    @property
    def ical_uid(self) -> str:
        return f"{self.uid}@{settings.FEED_UID_DOMAIN}"


class MeetingCounterpart(models.Model):
    """Links a meeting to an organisation it meets; an organisation someone meets cannot be deleted.

    Defined before Meeting: Meeting's history copies these rows and needs the model ready.
    """

    meeting = models.ForeignKey("Meeting", on_delete=models.CASCADE)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "organisation"], name="counterpart_once_per_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.organisation.name} in “{self.meeting.title}”"


class Meeting(ScheduledItem):
    """A meeting, visit, forum or reception, held in one city and entered in its local time."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", "Government meeting"
        B2B = "b2b", "B2B matchmaking"
        FORUM = "forum", "Forum"
        SITE_VISIT = "site_visit", "Site visit"
        TRADE_SHOW = "trade_show", "Trade show"
        CEREMONY = "ceremony", "Ceremony"
        MEAL = "meal", "Meal or reception"
        PRESS = "press", "Press"
        BRIEFING = "briefing", "Internal briefing"

    SEQUENCE_FIELDS = ("starts_at", "ends_at", "city_id", "venue", "address", "status")

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.GOVERNMENT)
    title = models.CharField(validators=[single_line], max_length=200)
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="meetings")
    venue = models.CharField(validators=[single_line], max_length=200, blank=True)
    venue_local = models.CharField(
        validators=[single_line], max_length=200, blank=True, help_text="Venue name in the local language."
    )
    address = models.CharField(validators=[single_line], max_length=300, blank=True)
    address_local = models.CharField(
        validators=[single_line],
        max_length=300,
        blank=True,
        help_text="Address for drivers, e.g. in Chinese.",
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    counterparts = models.ManyToManyField(
        Organisation, blank=True, related_name="meetings", through=MeetingCounterpart
    )
    description = models.TextField(blank=True, help_text="Shown to delegates and in calendar feeds.")
    staff_notes = models.TextField(blank=True, help_text="Staff only; never shown to delegates or in feeds.")

    history = ItemHistory(m2m_fields=["counterparts", "attendees"])

    class Meta:
        ordering = ["starts_at", "title"]
        indexes = [
            models.Index(fields=["delegation", "starts_at"]),
            models.Index(fields=["delegation", "updated_at"], name="meeting_changes_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="meeting_ends_after_start",
                violation_error_message="A meeting must end after it starts.",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="meeting_title_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def local_start(self):
        return timezone.localtime(self.starts_at, self.city.zone)

    @property
    def local_end(self):
        return timezone.localtime(self.ends_at, self.city.zone)


class TravelLeg(ScheduledItem):
    """A journey between two cities: it departs in the origin's zone and arrives in the destination's."""

    class Mode(models.TextChoices):
        FLIGHT = "flight", "Flight"
        TRAIN = "train", "Train"
        COACH = "coach", "Coach"
        CAR = "car", "Car"
        FERRY = "ferry", "Ferry"

    SEQUENCE_FIELDS = ("departs_at", "arrives_at", "origin_id", "destination_id", "status")

    origin = models.ForeignKey(City, on_delete=models.PROTECT, related_name="departures")
    destination = models.ForeignKey(City, on_delete=models.PROTECT, related_name="arrivals")
    departs_at = models.DateTimeField()
    arrives_at = models.DateTimeField()
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.FLIGHT)
    carrier = models.CharField(
        validators=[single_line], max_length=100, blank=True, help_text="e.g. Air China"
    )
    number = models.CharField(validators=[single_line], max_length=20, blank=True, help_text="e.g. CA 986")
    booking_reference = models.CharField(
        validators=[single_line], max_length=40, blank=True, help_text="Staff only."
    )
    notes = models.TextField(blank=True, help_text="Shown to delegates and in calendar feeds.")

    history = ItemHistory(m2m_fields=["attendees"])

    class Meta:
        ordering = ["departs_at"]
        indexes = [
            models.Index(fields=["delegation", "departs_at"]),
            models.Index(fields=["delegation", "updated_at"], name="leg_changes_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(arrives_at__gt=F("departs_at")),
                name="leg_arrives_after_departure",
                violation_error_message="A travel leg must arrive after it departs.",
            ),
            models.CheckConstraint(
                condition=~Q(origin=F("destination")),
                name="leg_between_two_cities",
                violation_error_message="Origin and destination must be different cities.",
            ),
        ]

    def __str__(self) -> str:
        label = " ".join(part for part in (self.carrier, self.number) if part) or self.get_mode_display()
        return f"{label}: {self.origin.name} → {self.destination.name}"

    @property
    def local_departure(self):
        return timezone.localtime(self.departs_at, self.origin.zone)

    @property
    def local_arrival(self):
        return timezone.localtime(self.arrives_at, self.destination.zone)


class DeletedItem(models.Model):
    """What calendar clients need to remove an item that was deleted outright.

    Feeds keep it as a STATUS:CANCELLED event with a higher SEQUENCE, so subscribers' copies go away
    instead of lingering forever.
    """

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="deleted_items")
    uid = models.UUIDField(unique=True)
    summary = models.CharField(max_length=300)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    start_timezone = models.CharField(max_length=64)
    end_timezone = models.CharField(max_length=64)
    sequence = models.PositiveIntegerField()
    attendee_ids = models.JSONField(default=list, blank=True, help_text="Empty: the whole delegation.")
    created_at = models.DateTimeField(help_text="When the item itself was created.")
    deleted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.summary} (deleted)"

    @property
    def ical_uid(self) -> str:
        return f"{self.uid}@{settings.FEED_UID_DOMAIN}"


class FeedWithdrawal(models.Model):
    """A member was taken off an item they had in their personal feed.

    Their feed keeps the item as STATUS:CANCELLED so their calendar drops it; the row goes away when
    they are put back on the item.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="feed_withdrawals")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    leg = models.ForeignKey(TravelLeg, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    withdrawn_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(meeting__isnull=True, leg__isnull=False)
                | Q(meeting__isnull=False, leg__isnull=True),
                name="withdrawal_of_one_item",
            ),
            models.UniqueConstraint(fields=["member", "meeting"], name="withdrawal_once_per_meeting"),
            models.UniqueConstraint(fields=["member", "leg"], name="withdrawal_once_per_leg"),
        ]

    def __str__(self) -> str:
        return f"{self.member} off {self.meeting or self.leg}"
