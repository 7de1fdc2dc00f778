"""B2B matchmaking: sessions cut into slots at numbered tables, participants, requests, placements.

A session belongs to a delegation. Sellers are delegation members grouped by their company (one
participant, one or more people at the table); buyers are counterpart organisations with a contact.
A placement is one seller meeting one buyer; it keeps its row (and the itinerary meeting it made,
with its UID) when it is taken off the plan, so a re-solve updates meetings instead of duplicating
them, and a removed one reaches calendars as cancelled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from delegations.models import Delegation, Member, Organisation, TokenDigestField
from delegations.tokens import new_token
from itinerary.models import City, Meeting
from itinerary.timezones import make_local_aware
from missionplanner.text import single_line

BREAK_PATTERN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–—]\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class Slot:
    """One round of meetings: numbered from 1, in UTC (`starts_at`) and local time (`local_start`)."""

    number: int
    starts_at: datetime
    ends_at: datetime
    local_start: datetime
    local_end: datetime

    @property
    def label(self) -> str:
        return f"{self.local_start:%H:%M}–{self.local_end:%H:%M}"


def parse_breaks(text: str) -> list[tuple[time, time]]:
    """ "15:20–15:40, 16:30-16:40" → [(15:20, 15:40), (16:30, 16:40)]; a clear error otherwise."""
    breaks = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;\n]", text or ""))):
        match = BREAK_PATTERN.match(part)
        if not match:
            raise ValidationError(
                "“%(part)s” is not a break: write it as 15:20–15:40, and separate breaks with commas.",
                code="bad_break",
                params={"part": part},
            )
        h1, m1, h2, m2 = map(int, match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValidationError("“%(part)s” is not a time of day.", code="bad_break", params={"part": part})
        start, end = time(h1, m1), time(h2, m2)
        if end <= start:
            raise ValidationError(
                "The break “%(part)s” must end after it starts.", code="bad_break", params={"part": part}
            )
        breaks.append((start, end))
    return sorted(breaks)


class Session(models.Model):
    """A block of B2B meetings at one venue, cut into slots of `slot_minutes` at `tables` tables."""

    class SolveState(models.TextChoices):
        NEVER = "never", "Not solved yet"
        QUEUED = "queued", "Waiting for the solver"
        RUNNING = "running", "Solving"
        DONE = "done", "Solved"
        FAILED = "failed", "Failed"

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="b2b_sessions")
    title = models.CharField(
        validators=[single_line], max_length=200, help_text="e.g. B2B matchmaking with Shanghai buyers"
    )
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="b2b_sessions")
    venue = models.CharField(validators=[single_line], max_length=200, blank=True)
    venue_local = models.CharField(
        validators=[single_line], max_length=200, blank=True, help_text="Venue name in the local language."
    )
    address = models.CharField(validators=[single_line], max_length=300, blank=True)
    address_local = models.CharField(
        validators=[single_line], max_length=300, blank=True, help_text="Address for drivers."
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    slot_minutes = models.PositiveSmallIntegerField(
        default=20,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text="Length of a meeting.",
    )
    breaks = models.CharField(
        max_length=200, blank=True, help_text="Local times with no meetings, e.g. 15:20–15:40, 16:30–16:40."
    )
    tables = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    max_meetings = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Most meetings per participant; leave empty for no cap.",
    )
    time_limit_seconds = models.PositiveSmallIntegerField(
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(300)],
        help_text="How long the solver may search.",
    )

    # The last solve, as the background task reports it (staff pages poll these).
    solve_state = models.CharField(max_length=10, choices=SolveState.choices, default=SolveState.NEVER)
    solve_message = models.CharField(max_length=300, blank=True)
    solve_started_at = models.DateTimeField(null=True, blank=True)
    solve_finished_at = models.DateTimeField(null=True, blank=True)
    placed_weight = models.PositiveIntegerField(null=True, blank=True)
    best_bound = models.PositiveIntegerField(
        null=True, blank=True, help_text="The best weight CP-SAT proves possible."
    )
    greedy_weight = models.PositiveIntegerField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="b2b_session_ends_after_start",
                violation_error_message="A session must end after it starts.",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="b2b_session_title_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def zone(self):
        return self.city.zone

    @property
    def local_start(self) -> datetime:
        return timezone.localtime(self.starts_at, self.zone)

    @property
    def local_end(self) -> datetime:
        return timezone.localtime(self.ends_at, self.zone)

    @property
    def gap(self) -> float | None:
        """1 − placed weight / proven bound: 0 when the plan is proven best."""
        if self.placed_weight is None or not self.best_bound:
            return None
        return max(0.0, 1 - self.placed_weight / self.best_bound)

    def clean(self) -> None:
        super().clean()
        if self.breaks:
            try:
                parse_breaks(self.breaks)
            except ValidationError as error:
                raise ValidationError({"breaks": error}) from None
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "A session must end after it starts."})

    def slots(self) -> list[Slot]:
        """The session's rounds: back to back from the start, skipping breaks, none past the end.

        Computed in local wall-clock time, then made aware with the forms' code, so a slot means
        the same 14:20 on the room's clock whatever the day's offset.
        """
        if not (self.starts_at and self.ends_at and self.slot_minutes):
            return []
        zone_name = self.city.timezone
        start, end = self.local_start.replace(tzinfo=None), self.local_end.replace(tzinfo=None)
        day = start.date()
        breaks = [(datetime.combine(day, a), datetime.combine(day, b)) for a, b in parse_breaks(self.breaks)]
        length = timedelta(minutes=self.slot_minutes)
        slots, cursor = [], start
        while cursor + length <= end:
            clash = next((b for b in breaks if cursor < b[1] and b[0] < cursor + length), None)
            if clash:
                cursor = max(cursor, clash[1])
                continue
            starts, ends = make_local_aware(cursor, zone_name), make_local_aware(cursor + length, zone_name)
            slots.append(
                Slot(
                    number=len(slots) + 1,
                    starts_at=starts,
                    ends_at=ends,
                    local_start=timezone.localtime(starts, self.zone),
                    local_end=timezone.localtime(ends, self.zone),
                )
            )
            cursor += length
        return slots


class Participant(models.Model):
    """One side of the table: a delegation company (its members who attend) or a local buyer."""

    class Side(models.TextChoices):
        SELLER = "seller", "Seller (delegation company)"
        BUYER = "buyer", "Buyer"

    class Language(models.TextChoices):
        CHINESE = "zh", "Chinese (中文)"
        ENGLISH = "en", "English"
        KOREAN = "ko", "Korean (한국어)"
        JAPANESE = "ja", "Japanese (日本語)"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="participants")
    side = models.CharField(max_length=10, choices=Side.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="b2b_participations"
    )
    members = models.ManyToManyField(
        Member, blank=True, related_name="b2b_participations", help_text="Sellers: who sits at the table."
    )
    contact_name = models.CharField(
        validators=[single_line], max_length=200, blank=True, help_text="Buyers: who comes to the table."
    )
    contact_local_name = models.CharField(validators=[single_line], max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.ENGLISH)
    available_from = models.TimeField(null=True, blank=True, help_text="Local time; empty = from the start.")
    available_until = models.TimeField(null=True, blank=True, help_text="Local time; empty = to the end.")
    max_meetings = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Empty = the session's cap."
    )
    is_invented = models.BooleanField(default=False, help_text="Demo data: this buyer does not exist.")
    # Buyers' secret link to their own agenda and feed (sellers use their member links).
    feed_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    feed_token_digest = TokenDigestField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session", "side", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "organisation"],
                name="b2b_participant_once_per_session",
                violation_error_message="This organisation already takes part in this session.",
            ),
            models.CheckConstraint(
                condition=Q(available_from__isnull=True)
                | Q(available_until__isnull=True)
                | Q(available_until__gt=F("available_from")),
                name="b2b_participant_available_window",
                violation_error_message="Available until must be after available from.",
            ),
        ]

    def __str__(self) -> str:
        return self.organisation.name

    @property
    def is_seller(self) -> bool:
        return self.side == self.Side.SELLER

    @property
    def cap(self) -> int | None:
        return self.max_meetings or self.session.max_meetings


class Priority(models.TextChoices):
    MUST = "must", "Must meet"
    WANT = "want", "Want to meet"
    COULD = "could", "Could meet"
    VETO = "veto", "No thanks"


class Request(models.Model):
    """“A wants to meet B” (or, with veto, “A does not want to meet B”), from either side."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="requests")
    requester = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="requests_made")
    target = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="requests_received")
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.WANT)
    note = models.CharField(validators=[single_line], max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session", "requester", "target"]
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "target"],
                name="b2b_request_once",
                violation_error_message="This request already exists; change its priority instead.",
            ),
            models.CheckConstraint(condition=~Q(requester=F("target")), name="b2b_request_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.target} ({self.get_priority_display()})"

    def clean(self) -> None:
        super().clean()
        if self.requester_id and self.target_id:
            if self.requester.session_id != self.session_id or self.target.session_id != self.session_id:
                raise ValidationError("Both participants must take part in this session.")
            if self.requester.side == self.target.side:
                raise ValidationError("A request is between a seller and a buyer, not two of the same side.")


class Placement(models.Model):
    """A seller meeting a buyer at (slot, table); slot and table empty once taken off the plan.

    One row per pair and session, kept when unplaced, so the itinerary meeting it made keeps its
    UID across re-solves.
    """

    class Outcome(models.TextChoices):
        PENDING = "", "Not marked"
        HELD = "held", "Held"
        NO_SHOW = "no_show", "No-show"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="placements")
    seller = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="placements_as_seller")
    buyer = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="placements_as_buyer")
    slot = models.PositiveSmallIntegerField(null=True, blank=True)
    table = models.PositiveSmallIntegerField(null=True, blank=True)
    pinned = models.BooleanField(default=False, help_text="Kept where it is when the solver runs again.")
    meeting = models.OneToOneField(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="b2b_placement"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING, blank=True)
    outcome_note = models.CharField(
        validators=[single_line], max_length=200, blank=True, help_text="One line: what came of it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session", "slot", "table"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "seller", "buyer"], name="b2b_placement_once_per_pair"
            ),
            models.UniqueConstraint(
                fields=["session", "slot", "table"],
                condition=Q(slot__isnull=False),
                name="b2b_placement_one_per_table",
                violation_error_message="Another meeting is at this table in this slot.",
            ),
            models.UniqueConstraint(
                fields=["session", "slot", "seller"],
                condition=Q(slot__isnull=False),
                name="b2b_placement_seller_once_per_slot",
                violation_error_message="The seller already has a meeting in this slot.",
            ),
            models.UniqueConstraint(
                fields=["session", "slot", "buyer"],
                condition=Q(slot__isnull=False),
                name="b2b_placement_buyer_once_per_slot",
                violation_error_message="The buyer already has a meeting in this slot.",
            ),
            models.CheckConstraint(
                condition=Q(slot__isnull=True, table__isnull=True)
                | Q(slot__isnull=False, table__isnull=False),
                name="b2b_placement_slot_and_table_together",
            ),
            models.CheckConstraint(
                condition=Q(slot__isnull=False) | Q(pinned=False),
                name="b2b_placement_pinned_only_when_placed",
            ),
        ]

    def __str__(self) -> str:
        where = f"slot {self.slot}, table {self.table}" if self.is_placed else "not placed"
        return f"{self.seller} × {self.buyer} ({where})"

    @property
    def is_placed(self) -> bool:
        return self.slot is not None
