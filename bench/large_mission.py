"""A large generated mission for benchmarks and load tests: 60 members, 12 cities in 6 zones,
200 organisations, 1,000 meetings and 100 travel legs over two months that cross two DST changes."""

import random
from datetime import date, datetime, timedelta

from django.db import transaction

from delegations.models import Delegation, Member, Organisation
from itinerary.models import City, Meeting, MeetingCounterpart, TravelLeg

CITIES = [
    ("Beijing", "北京", "China", "Asia/Shanghai", "39.90421", "116.40739"),
    ("Shanghai", "上海", "China", "Asia/Shanghai", "31.23042", "121.47370"),
    ("Guangzhou", "广州", "China", "Asia/Shanghai", "23.12911", "113.26439"),
    ("Shenzhen", "深圳", "China", "Asia/Shanghai", "22.54310", "114.05787"),
    ("Hong Kong", "香港", "China", "Asia/Hong_Kong", "22.31930", "114.16936"),
    ("Sacramento", "", "United States", "America/Los_Angeles", "38.58157", "-121.49440"),
    ("San Francisco", "旧金山", "United States", "America/Los_Angeles", "37.77493", "-122.41942"),
    ("Tokyo", "東京", "Japan", "Asia/Tokyo", "35.67620", "139.65030"),
    ("Osaka", "大阪", "Japan", "Asia/Tokyo", "34.69370", "135.50230"),
    ("London", "", "United Kingdom", "Europe/London", "51.50740", "-0.12780"),
    ("Manchester", "", "United Kingdom", "Europe/London", "53.48080", "-2.24260"),
    ("Singapore", "新加坡", "Singapore", "Asia/Singapore", "1.35210", "103.81980"),
]


@transaction.atomic
def build_large_mission(
    *,
    slug: str = "bench-mission",
    meetings: int = 1000,
    legs: int = 100,
    members: int = 60,
    organisations: int = 200,
) -> Delegation:
    """Create (or replace) the mission named `slug`; deterministic for a given size."""
    rng = random.Random(2016)
    Delegation.objects.filter(slug=slug).delete()
    start = date(2026, 2, 20)  # US DST starts 8 March, UK 29 March: both inside the mission
    delegation = Delegation.objects.create(
        name=f"Benchmark mission ({meetings} meetings)", slug=slug, start_date=start,
        end_date=start + timedelta(days=60), summary="Generated for benchmarks.",
    )  # fmt: skip
    cities = [
        City.objects.get_or_create(
            name=name, country=country,
            defaults=dict(local_name=local, timezone=tz, latitude=lat, longitude=lon),
        )[0]
        for name, local, country, tz, lat, lon in CITIES
    ]  # fmt: skip
    orgs = list(Organisation.objects.filter(name__startswith="Bench organisation "))
    orgs += Organisation.objects.bulk_create(
        Organisation(name=f"Bench organisation {n:03d}", local_name=f"机构 {n}", country="China")
        for n in range(len(orgs), organisations)
    )
    people = Member.objects.bulk_create(
        Member(
            delegation=delegation, full_name=f"Delegate {n:02d}", title="Executive", organisation=orgs[n % len(orgs)],
            email=f"delegate{n}@example.org", phone=f"+1 916 555 {n:04d}", notes="Private staff note",
        )
        for n in range(members)
    )  # fmt: skip
    first = datetime(2026, 2, 20, 0, 0)
    created = Meeting.objects.bulk_create(
        Meeting(
            delegation=delegation, kind=rng.choice(Meeting.Kind.values), title=f"Meeting {n:04d}, with buyers; day plan",
            city=(city := cities[n % len(cities)]), venue=f"Venue {n % 40}", venue_local=f"会场 {n % 40}",
            address=f"{n} Example Road", address_local=f"示例路{n}号",
            starts_at=(local := (first + timedelta(hours=1.4 * n)).replace(tzinfo=city.zone)),
            ends_at=local + timedelta(minutes=50), description="Agenda:\nintroductions, products, next steps.",
            staff_notes="Never in a feed",
        )
        for n in range(meetings)
    )  # fmt: skip
    through = Meeting.attendees.through
    through.objects.bulk_create(
        through(meeting_id=m.pk, member_id=people[(i * 7 + k) % members].pk)
        for i, m in enumerate(created)
        if i % 3
        for k in range(3)
    )
    MeetingCounterpart.objects.bulk_create(
        MeetingCounterpart(meeting_id=m.pk, organisation_id=orgs[(i * 11 + k) % len(orgs)].pk)
        for i, m in enumerate(created)
        for k in range(2)
    )
    TravelLeg.objects.bulk_create(
        TravelLeg(
            delegation=delegation, origin=cities[n % len(cities)], destination=cities[(n + 1) % len(cities)],
            departs_at=(depart := (first + timedelta(hours=14 * n + 5)).replace(tzinfo=cities[n % len(cities)].zone)),
            arrives_at=depart + timedelta(hours=3), carrier="Air China", number=f"CA {900 + n}",
            booking_reference="SECRET",
        )
        for n in range(legs)
    )  # fmt: skip
    return delegation
