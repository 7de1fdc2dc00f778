"""factory_boy factories for every model. Defaults make a valid object with no arguments."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth import get_user_model

from delegations.models import Delegation, Member, Organisation
from itinerary.models import City, Meeting, Stay, TravelLeg
from itinerary.schedule import load_mission
from matchmaking.models import Participant, Placement, Request, Session
from publishing.models import Notice, Release
from publishing.snapshot import snapshot_of


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.COMPANY
    country = "China"


class DelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegation

    name = factory.Sequence(lambda n: f"Trade mission {n}")
    slug = factory.Sequence(lambda n: f"trade-mission-{n}")
    start_date = date(2016, 10, 21)
    end_date = date(2016, 11, 10)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    delegation = factory.SubFactory(DelegationFactory)
    full_name = factory.Sequence(lambda n: f"Delegate {n}")
    role = Member.Role.EXECUTIVE


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ["name", "country"]

    name = "Beijing"
    local_name = "北京"
    country = "China"
    timezone = "Asia/Shanghai"
    latitude = "39.90421"
    longitude = "116.40739"


class StayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stay

    delegation = factory.SubFactory(DelegationFactory)
    city = factory.SubFactory(CityFactory)
    arrival_date = factory.LazyAttribute(lambda stay: stay.delegation.start_date)
    departure_date = factory.LazyAttribute(lambda stay: stay.arrival_date + timedelta(days=3))


def local(city: City, text: str) -> datetime:
    """An aware datetime from a wall-clock time in the city's zone: local(beijing, "2016-10-25 09:30")."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(city.timezone))


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    delegation = factory.SubFactory(DelegationFactory)
    title = factory.Sequence(lambda n: f"Meeting {n}")
    city = factory.SubFactory(CityFactory)
    starts_at = factory.LazyAttribute(lambda m: local(m.city, "2016-10-25 09:30"))
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + timedelta(hours=1))


class TravelLegFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TravelLeg

    delegation = factory.SubFactory(DelegationFactory)
    origin = factory.SubFactory(
        CityFactory,
        name="San Francisco",
        local_name="旧金山",
        country="United States",
        timezone="America/Los_Angeles",
    )
    destination = factory.SubFactory(CityFactory)
    departs_at = factory.LazyAttribute(lambda leg: local(leg.origin, "2016-10-23 12:50"))
    arrives_at = factory.LazyAttribute(lambda leg: local(leg.destination, "2016-10-24 16:55"))
    mode = TravelLeg.Mode.FLIGHT
    carrier = "Air China"
    number = "CA 986"


class ReleaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Release

    delegation = factory.SubFactory(DelegationFactory)
    number = factory.Sequence(lambda n: n + 1)
    published_at = factory.LazyFunction(lambda: datetime(2016, 10, 20, 8, 0, tzinfo=ZoneInfo("UTC")))
    snapshot = factory.LazyAttribute(lambda release: snapshot_of(load_mission(release.delegation)))


class NoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notice

    release = factory.SubFactory(ReleaseFactory)
    member = factory.SubFactory(MemberFactory, delegation=factory.SelfAttribute("..release.delegation"))
    subject = "Trade mission: your schedule changed — 1 moved"
    changes = factory.LazyFunction(lambda: {"note": "", "items": [], "stays": []})
    status = Notice.Status.NO_EMAIL


class SessionFactory(factory.django.DjangoModelFactory):
    """A B2B session in Shanghai, 14:00–17:00 local on 26 Oct 2016, 20-minute slots, 10 tables."""

    class Meta:
        model = Session

    delegation = factory.SubFactory(DelegationFactory)
    title = factory.Sequence(lambda n: f"B2B session {n}")
    city = factory.SubFactory(
        CityFactory, name="Shanghai", local_name="上海", latitude="31.22222", longitude="121.45806"
    )
    venue = "Shanghai Exhibition Center"
    starts_at = factory.LazyAttribute(lambda s: local(s.city, "2016-10-26 14:00"))
    ends_at = factory.LazyAttribute(lambda s: local(s.city, "2016-10-26 17:00"))
    slot_minutes = 20
    tables = 10
    time_limit_seconds = 5


class ParticipantFactory(factory.django.DjangoModelFactory):
    """A buyer by default; `ParticipantFactory(seller=True)` is a seller with one member at its table."""

    class Meta:
        model = Participant
        skip_postgeneration_save = True

    class Params:
        seller = factory.Trait(side=Participant.Side.SELLER)

    session = factory.SubFactory(SessionFactory)
    side = Participant.Side.BUYER
    organisation = factory.SubFactory(OrganisationFactory)
    contact_name = factory.Sequence(lambda n: f"Contact {n}")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is not None:
            self.members.set(extracted)
        elif self.side == Participant.Side.SELLER:
            self.members.add(
                MemberFactory(delegation=self.session.delegation, organisation=self.organisation)
            )


class RequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Request

    requester = factory.SubFactory(ParticipantFactory, seller=True)
    target = factory.SubFactory(ParticipantFactory, session=factory.SelfAttribute("..requester.session"))
    session = factory.LazyAttribute(lambda r: r.requester.session)
    priority = "want"


class PlacementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Placement

    seller = factory.SubFactory(ParticipantFactory, seller=True)
    buyer = factory.SubFactory(ParticipantFactory, session=factory.SelfAttribute("..seller.session"))
    session = factory.LazyAttribute(lambda p: p.seller.session)
    slot = 1
    table = 1
