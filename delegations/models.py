"""Who travels: organisations, delegations and their members."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from simple_history.models import HistoricalRecords

from delegations.tokens import new_token, token_digest
from itinerary.timezones import validate_timezone, zone
from missionplanner.text import single_line


class TokenDigestField(models.CharField):
    """The sha256 of the row's feed_token, recomputed on every save, bulk_create included."""

    def __init__(self, *args, **kwargs):
        kwargs.update(max_length=64, unique=True, editable=False)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        value = token_digest(model_instance.feed_token)
        setattr(model_instance, self.attname, value)
        return value


class WebsiteField(models.URLField):
    """A URL field whose form assumes https:// when the scheme is left out (Django 6's default)."""

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


class Organisation(models.Model):
    """A member's employer or a meeting's counterpart: a ministry, a chamber, a company, a buyer."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", "Government"
        AGENCY = "agency", "Government agency"
        COMPANY = "company", "Company"
        CHAMBER = "chamber", "Chamber or association"
        INVESTOR = "investor", "Investor"
        MEDIA = "media", "Media"
        OTHER = "other", "Other"

    name = models.CharField(validators=[single_line], max_length=200)
    local_name = models.CharField(
        validators=[single_line],
        max_length=200,
        blank=True,
        help_text="The name in the local language, e.g. 商务部.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COMPANY)
    country = models.CharField(validators=[single_line], max_length=100, blank=True)
    website = WebsiteField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)  # its row version (mission_cache.py)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "country",
                name="organisation_unique_name_per_country",
                violation_error_message="An organisation with this name already exists in this country.",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="organisation_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.local_name})" if self.local_name else self.name


class DelegationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The delegations a user may see and edit: all for superusers, else those they staff."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(staff=user)


class Delegation(models.Model):
    """One trade mission: who goes, from when to when, and who on the staff may edit it."""

    name = models.CharField(validators=[single_line], max_length=200)
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text="Short name used in web addresses, e.g. ca-china-2016.",
        error_messages={"unique": "Another delegation already uses this slug."},
    )
    summary = models.TextField(blank=True)
    organiser = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="organised_delegations"
    )
    start_date = models.DateField()
    end_date = models.DateField()
    home_timezone = models.CharField(
        max_length=64,
        default="America/Los_Angeles",
        validators=[validate_timezone],
        help_text="IANA time zone of the delegation's home office, e.g. America/Los_Angeles.",
    )
    travel_buffer_minutes = models.PositiveSmallIntegerField(
        default=30, help_text="Least time between consecutive items at different venues."
    )
    publish_automatically = models.BooleanField(
        default=False,
        help_text="For the days of the mission: every save reaches delegates at once, and each member "
        "gets one notice per burst of edits. Otherwise staff publish changes from the Publish page.",
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="staffed_delegations",
        help_text="Staff users who may see and edit this delegation.",
    )
    feed_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    feed_token_digest = TokenDigestField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DelegationQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["feed_token", "feed_token_digest"])

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="delegation_ends_after_start",
                violation_error_message="The delegation cannot end before it starts.",
            ),
            models.CheckConstraint(condition=~Q(home_timezone=""), name="delegation_timezone_not_empty"),
            models.CheckConstraint(condition=~Q(feed_token=""), name="delegation_token_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("delegation-overview", args=[self.slug])

    @property
    def home_zone(self):
        return zone(self.home_timezone)

    @property
    def dates_label(self) -> str:
        """The mission's dates as people write them: "12–18 May 2026", "28 Oct – 3 Nov 2016"."""
        start, end = self.start_date, self.end_date
        if start.year != end.year:
            return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"
        if start.month != end.month:
            return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
        if start.day != end.day:
            return f"{start.day}–{end.day} {end:%b %Y}"
        return f"{end.day} {end:%b %Y}"

    def clean(self) -> None:
        super().clean()
        if self.pk and self.start_date and self.end_date:
            outside = self.stays.exclude(arrival_date__gte=self.start_date, departure_date__lte=self.end_date)
            if outside.exists():
                raise ValidationError(
                    "These dates leave stays outside the mission: %(stays)s. Move the stays first.",
                    params={"stays": ", ".join(str(stay) for stay in outside.select_related("city"))},
                    code="stays_outside",
                )


class Member(models.Model):
    """A person on the delegation. Their feed token is the key to their personal itinerary."""

    class Role(models.TextChoices):
        HEAD = "head", "Head of delegation"
        OFFICIAL = "official", "Official"
        EXECUTIVE = "executive", "Executive"
        STAFF = "staff", "Staff"
        INTERPRETER = "interpreter", "Interpreter"
        PRESS = "press", "Press"

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="members")
    full_name = models.CharField(validators=[single_line], max_length=200)
    local_name = models.CharField(
        validators=[single_line], max_length=200, blank=True, help_text="Name in the local language."
    )
    title = models.CharField(
        validators=[single_line], max_length=200, blank=True, help_text="Job title, e.g. Director, GO-Biz."
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.EXECUTIVE)
    email = models.EmailField(blank=True)
    phone = models.CharField(validators=[single_line], max_length=40, blank=True)
    notes = models.TextField(blank=True, help_text="Staff only; never shown to delegates or in feeds.")
    is_active = models.BooleanField(default=True, help_text="Inactive members get no items and no feed.")
    feed_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    feed_token_digest = TokenDigestField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Who changed what and when. Tokens stay out of history: an old token must not be recoverable.
    history = HistoricalRecords(excluded_fields=["feed_token", "feed_token_digest"])

    class Meta:
        ordering = ["delegation", "full_name"]
        indexes = [models.Index(fields=["delegation", "updated_at"], name="member_changes_idx")]
        constraints = [
            models.UniqueConstraint(
                "delegation",
                Lower("email"),
                condition=~Q(email=""),
                name="member_unique_email_per_delegation",
                violation_error_message="Another member of this delegation already has this e-mail address.",
            ),
            models.CheckConstraint(condition=~Q(full_name=""), name="member_name_not_empty"),
            models.CheckConstraint(condition=~Q(feed_token=""), name="member_token_not_empty"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)
