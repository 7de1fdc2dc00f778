"""Staff forms of B2B sessions: the session, its participants, their requests, and grid edits.

Times are typed on the room's clock: a session's date and start and end are read in its city's
zone with the forms' code (`make_local_aware`: a time the clocks skip is refused, a repeated one
takes the first); availability windows are plain local times of day.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError

from delegations.forms import NEW_CITY, NEW_ORGANISATION, SEARCHABLE, DelegationChildForm
from itinerary.timezones import make_local_aware, repeated_time_notice, zone_hint
from matchmaking.models import Participant, Placement, Request, Session, parse_breaks
from missionplanner.concurrency import VersionedModelForm
from missionplanner.strict import MAX_ID

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class OutOfRangeIdsMixin:
    """A choice of a row by an id no row can have (past 64 bits) is a bad choice, said in words like
    any other, before it reaches the database: SQLite cannot even compare such a number (an
    OverflowError, which would be a 500)."""

    def full_clean(self):
        if self.is_bound:
            data = self.data.copy()
            for name, field in self.fields.items():
                if not isinstance(field, forms.ModelChoiceField):
                    continue
                key = self.add_prefix(name)
                values = data.getlist(key) if hasattr(data, "getlist") else [data.get(key)]
                if any(_out_of_range(value) for value in values):
                    data[key] = "-1"  # no row: the field's own "not a valid choice" message
            self.data = data
        super().full_clean()


def _out_of_range(value) -> bool:
    text = str(value or "").strip().removeprefix("-")
    return text.isascii() and text.isdigit() and int(text) > MAX_ID


class SessionForm(OutOfRangeIdsMixin, DelegationChildForm):
    """A session on one day: `starts_at` and `ends_at` are typed as times of day on `date`, in the
    city's zone, and saved as the moments they are (UTC). Keeping the model's names for the two
    time fields lets the concurrency check compare them as moments, and name them when it refuses."""

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    starts_at = forms.TimeField(label="Starts", widget=TIME_INPUT)
    ends_at = forms.TimeField(label="Ends", widget=TIME_INPUT)

    class Meta:
        model = Session
        fields = [
            "title", "city", "venue", "venue_local", "address", "address_local", "starts_at", "ends_at",
            "slot_minutes", "breaks", "tables", "max_meetings", "time_limit_seconds",
        ]  # fmt: skip
        labels = {
            "slot_minutes": "Meeting length (minutes)",
            "max_meetings": "Most meetings per participant",
            "time_limit_seconds": "Solver time limit (seconds)",
            "venue_local": "Venue (local language)",
            "address_local": "Address (local language)",
        }
        widgets = {"city": forms.Select(attrs=NEW_CITY)}

    field_order = [
        "title", "city", "venue", "venue_local", "address", "address_local", "date", "starts_at", "ends_at",
        "slot_minutes", "breaks", "tables", "max_meetings", "time_limit_seconds",
    ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_notices: list[str] = []
        self.fields["city"].label_from_instance = lambda city: (
            f"{city} · {zone_hint(city.timezone, self.delegation)}"
        )
        self.fields["city"].widget.attrs["data-zones"] = "true"
        for name in ("starts_at", "ends_at"):
            self.fields[name].widget.attrs["data-zone-from"] = self.add_prefix("city")
        if self.instance.pk and not self.is_bound:
            # The version check above compared moments; the fields show the room's clock.
            local_start, local_end = self.instance.local_start, self.instance.local_end
            self.initial.update(
                date=local_start.date(), starts_at=local_start.time(), ends_at=local_end.time()
            )
        city = self._shown_city()
        where = f"{city.name}: {zone_hint(city.timezone, self.delegation)}" if city else "the city's zone"
        for name in ("starts_at", "ends_at"):
            self.fields[name].help_text = f"Local time in {where}."
        self.fields[
            "breaks"
        ].help_text = (
            "Local times with no meetings, e.g. 15:20–15:40, 16:30–16:40. Meetings resume after each break."
        )

    def _shown_city(self):
        if self.is_bound:
            try:
                return self.fields["city"].clean(self.data.get(self.add_prefix("city")))
            except ValidationError:
                return None
        return self.instance.city if self.instance.city_id else None

    def clean(self):
        # Attach the zone before the parent's checks: model validation must never see a naive time.
        data = self.cleaned_data
        city, day = data.get("city"), data.get("date")
        for name in ("starts_at", "ends_at"):
            wall_clock = data.get(name)
            if wall_clock is None:
                continue
            if city is None or day is None:
                data.pop(name)  # no zone or no day to read it in; that field carries its own error
                continue
            naive = datetime.combine(day, wall_clock)
            try:
                data[name] = make_local_aware(naive, city.timezone)
            except ValidationError as error:
                self.add_error(name, error)
                continue
            if notice := repeated_time_notice(naive, city.timezone, place=city.name):
                self.time_notices.append(f"{self.fields[name].label}: {notice}")
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The session must end after it starts, on the same day.")
        elif starts and ends and city and data.get("slot_minutes"):
            self._check_some_slot(city, starts, ends)
        return super().clean()

    def _check_some_slot(self, city, starts, ends) -> None:
        data = self.cleaned_data
        try:
            parse_breaks(data.get("breaks", ""))
        except ValidationError:
            return  # the model's check names the bad break
        probe = Session(
            city=city, starts_at=starts, ends_at=ends, slot_minutes=data["slot_minutes"],
            breaks=data.get("breaks", ""),
        )  # fmt: skip
        if not probe.slots():
            self.add_error(
                "slot_minutes",
                f"No {data['slot_minutes']}-minute meeting fits between the start, the end and the breaks.",
            )


class SessionChildForm(OutOfRangeIdsMixin, VersionedModelForm):
    """A form for something inside one session (a participant, a request): the view passes the
    session, which the instance gets before validation so the model's rules that involve it (one
    organisation per session, both sides of a request in it) become form errors."""

    def __init__(self, *args, session: Session, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.instance.session = session

    def _get_validation_exclusions(self):
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("session")
        return exclusions


class ParticipantForm(SessionChildForm):
    side: str = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.side = self.side
        for name in ("available_from", "available_until"):
            self.fields[name].help_text = (
                f"Local time in {self.session.city.name}; empty = from the start / to the end of the session "
                f"({self.session.local_start:%H:%M}–{self.session.local_end:%H:%M})."
            )
        self.fields[
            "max_meetings"
        ].help_text = f"Empty = the session's cap ({self.session.max_meetings or 'none'})."
        self.fields["organisation"].error_messages["invalid_choice"] = "Choose an organisation from the list."

    def clean(self):
        cleaned_data = super().clean()
        start, end = cleaned_data.get("available_from"), cleaned_data.get("available_until")
        session_start, session_end = self.session.local_start.time(), self.session.local_end.time()
        if end is not None and end <= session_start:
            self.add_error("available_until", f"The session only starts at {session_start:%H:%M}.")
        if start is not None and start >= session_end:
            self.add_error("available_from", f"The session ends at {session_end:%H:%M}.")
        return cleaned_data


class SellerForm(ParticipantForm):
    side = Participant.Side.SELLER

    class Meta:
        model = Participant
        fields = ["organisation", "members", "available_from", "available_until", "max_meetings"]
        labels = {"organisation": "Company", "members": "At the table", "max_meetings": "Most meetings"}
        widgets = {
            "organisation": forms.Select(attrs=NEW_ORGANISATION),
            "members": forms.SelectMultiple(attrs=SEARCHABLE),
            "available_from": TIME_INPUT,
            "available_until": TIME_INPUT,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        members.queryset = self.session.delegation.members.select_related("organisation")
        members.required = True
        members.help_text = (
            "Members of this mission who sit at the table. The company is free whenever one of them is: "
            "their itineraries (meetings, flights, travel time) decide."
        )
        members.error_messages["required"] = "Name at least one member who sits at the table."
        members.error_messages["invalid_choice"] = "Only members of this mission can sit at the table."


class BuyerForm(ParticipantForm):
    side = Participant.Side.BUYER

    class Meta:
        model = Participant
        fields = [
            "organisation", "contact_name", "contact_local_name", "contact_email", "language",
            "available_from", "available_until", "max_meetings",
        ]  # fmt: skip
        labels = {
            "organisation": "Buyer",
            "contact_local_name": "Contact's name (local language)",
            "max_meetings": "Most meetings",
        }
        widgets = {
            "organisation": forms.Select(attrs=NEW_ORGANISATION),
            "available_from": TIME_INPUT,
            "available_until": TIME_INPUT,
        }


def participant_form_class(side: str) -> type[ParticipantForm]:
    return SellerForm if side == Participant.Side.SELLER else BuyerForm


class RequestForm(SessionChildForm):
    class Meta:
        model = Request
        fields = ["requester", "target", "priority", "note"]
        labels = {"requester": "Who asks", "target": "To meet", "priority": "How much"}
        help_texts = {
            "priority": "A request made by both sides counts most; “No thanks” keeps the two apart.",
            "note": "Optional, e.g. what they want to talk about.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        participants = self.session.participants.select_related("organisation").order_by(
            "side", "organisation__name"
        )
        for name in ("requester", "target"):
            field = self.fields[name]
            field.queryset = participants
            field.label_from_instance = lambda p: (
                f"{p.organisation.name} ({'seller' if p.is_seller else 'buyer'})"
            )
            field.widget.attrs.update(SEARCHABLE)
            field.error_messages["invalid_choice"] = "Choose a participant of this session."


class GridActionForm(forms.Form):
    """One edit of the grid, from a small form on the page or from the drag and drop script.

    Only the shape is checked here; the rules (free tables, nobody in two places) are the services'.
    """

    ACTIONS = ("move", "swap", "pin", "unpin", "remove", "add", "outcome")

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    placement = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    version = forms.CharField(required=False, max_length=64)
    other = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, label="Swap with")
    other_version = forms.CharField(required=False, max_length=64)
    slot = forms.IntegerField(required=False, min_value=-32768, max_value=32767)
    table = forms.IntegerField(required=False, min_value=-32768, max_value=32767)
    pair = forms.RegexField(regex=r"^\d{1,18}-\d{1,18}$", required=False)
    seller = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    buyer = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    outcome = forms.ChoiceField(choices=Placement.Outcome.choices, required=False)
    note = forms.CharField(required=False, max_length=1000)

    NEEDS = {
        "move": ("placement", "slot", "table"),
        "swap": ("placement", "other"),
        "pin": ("placement",),
        "unpin": ("placement",),
        "remove": ("placement",),
        "add": ("slot", "table"),
        "outcome": ("placement",),
    }
    WORDS = {
        "placement": "the meeting",
        "slot": "a slot",
        "table": "a table",
        "other": "the meeting to swap with",
    }

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action is None:
            raise ValidationError("Say what to do: move, swap, pin, unpin, remove, add or outcome.")
        missing = [self.WORDS[name] for name in self.NEEDS[action] if data.get(name) is None]
        if missing:
            raise ValidationError(f"Choose {' and '.join(missing)}.")
        if action == "add":
            if data.get("pair"):
                data["seller"], data["buyer"] = map(int, data["pair"].split("-"))
            if not (data.get("seller") and data.get("buyer")):
                raise ValidationError("Choose the request to place.")
        return data
