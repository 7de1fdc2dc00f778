"""A large generated mission for benchmarks and load tests: 60 members, 12 cities in 6 zones,
200 organisations, 1,000 meetings and 100 travel legs over 60 days that cross two DST changes."""

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from delegations.models import Delegation, Member, Organisation
from itinerary.models import City, Meeting, MeetingCounterpart, Stay, TravelLeg

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
    start: date = date(2026, 2, 20),  # US DST starts 8 March, UK 29 March: both inside the mission
    name: str | None = None,
) -> Delegation:
    """Create (or replace) the mission named `slug`: deterministic, and planned the way staff plan.

    The delegation spends five days in each city (travel day, rest day, three days of meetings),
    moving on with the whole delegation; the other legs are members arriving and leaving on their
    own. Each meeting day has a plenary for everyone and parallel B2B meetings for groups of three.
    """
    Delegation.objects.filter(slug=slug).delete()
    days = 60
    delegation = Delegation.objects.create(
        name=name or f"Benchmark mission ({meetings} meetings)",
        slug=slug,
        start_date=start,
        end_date=start + timedelta(days=days - 1),
        summary="Generated for benchmarks.",
    )
    cities = [
        City.objects.get_or_create(
            name=name,
            country=country,
            defaults=dict(local_name=local, timezone=tz, latitude=lat, longitude=lon),
        )[0]
        for name, local, country, tz, lat, lon in CITIES
    ]
    orgs = list(Organisation.objects.filter(name__startswith="Bench organisation ").order_by("name"))
    orgs += Organisation.objects.bulk_create(
        Organisation(name=f"Bench organisation {n:03d}", local_name=f"机构 {n}", country="China")
        for n in range(len(orgs), organisations)
    )
    people = Member.objects.bulk_create(
        Member(
            delegation=delegation,
            full_name=f"Delegate {n:02d}",
            title="Executive",
            organisation=orgs[n % len(orgs)],
            email=f"delegate{n}@example.org",
            phone=f"+1 916 555 {n:04d}",
            notes="Private staff note",
        )
        for n in range(members)
    )
    segment = days // len(cities)

    def at(city: City, day: int, clock: str) -> datetime:
        hour, minute = map(int, clock.split(":"))
        return datetime.combine(start + timedelta(days=day), time(hour, minute), tzinfo=city.zone)

    Stay.objects.bulk_create(
        Stay(
            delegation=delegation,
            city=city,
            arrival_date=start + timedelta(days=n * segment),
            departure_date=start + timedelta(days=min((n + 1) * segment, days - 1)),
            hotel_name=f"Hotel {city.name}",
        )
        for n, city in enumerate(cities)
    )
    planned, through, counterparts = [], [], []
    groups = max(1, members // 3)
    slots = ["10:30", "12:00", "13:30", "15:00", "16:30", "18:00"]
    for n, city in enumerate(cities):
        for day in range(n * segment + 2, (n + 1) * segment):
            planned.append((city, day, "09:00", 60, "Plenary", None))
            for s, clock in enumerate(slots):
                for track in range(5):
                    planned.append((city, day, clock, 60, f"B2B {track + 1}", (s * 5 + track) % groups))
    created = Meeting.objects.bulk_create(
        Meeting(
            delegation=delegation,
            kind="forum" if group is None else "b2b",
            city=city,
            title=f"{label}, {city.name}, day {day + 1}: buyers; agenda",
            venue=f"{label} venue",
            venue_local=f"{label} 会场",
            address=f"{day} Example Road",
            address_local=f"示例路{day}号",
            starts_at=at(city, day, clock),
            ends_at=at(city, day, clock) + timedelta(minutes=minutes),
            description="Agenda:\nintroductions, products, next steps.",
            staff_notes="Never in a feed",
        )
        for city, day, clock, minutes, label, group in planned[:meetings]
    )
    for meeting, (_, _, _, _, _, group) in zip(created, planned, strict=False):
        if group is not None:
            through += [(meeting.pk, people[(group * 3 + k) % members].pk) for k in range(3)]
        counterparts += [(meeting.pk, orgs[(meeting.pk * 7 + k) % len(orgs)].pk) for k in range(2)]
    Meeting.attendees.through.objects.bulk_create(
        Meeting.attendees.through(meeting_id=m, member_id=p) for m, p in through
    )
    MeetingCounterpart.objects.bulk_create(
        MeetingCounterpart(meeting_id=m, organisation_id=o) for m, o in counterparts
    )
    moves = [
        TravelLeg(
            delegation=delegation,
            origin=cities[n - 1],
            destination=cities[n],
            mode="flight",
            carrier="Air China",
            number=f"CA {900 + n}",
            departs_at=at(cities[n - 1], n * segment, "08:00"),
            arrives_at=at(cities[n - 1], n * segment, "08:00") + timedelta(hours=10),
            booking_reference="SECRET",
        )
        for n in range(1, len(cities))
    ]
    own = [
        TravelLeg(
            delegation=delegation,
            origin=cities[-1],
            destination=cities[-2],
            mode="flight",
            departs_at=at(cities[-1], days - 1, "20:00")
            + (later := timedelta(hours=3 * (n // members), minutes=n)),
            arrives_at=at(cities[-1], days - 1, "22:00") + later,
            booking_reference="SECRET",
        )
        for n in range(max(0, legs - len(moves)))
    ]
    TravelLeg.objects.bulk_create(moves + own)
    leg_through = TravelLeg.attendees.through
    leg_through.objects.bulk_create(
        leg_through(travelleg_id=leg.pk, member_id=people[n % members].pk) for n, leg in enumerate(own)
    )
    return delegation


AGENCY_LEGS = len(CITIES) - 1  # a generated mission always moves through every city: eleven legs


@transaction.atomic  # one commit for them all
def build_agency_missions(
    *, count: int = 100, items: int = 300, members: int = 30, today: date | None = None
) -> tuple[list[Delegation], object, object]:
    """An agency's years of missions for the dashboard: `count` missions of about `items` items each.

    One is under way, up to three are coming up, and the rest are past, one every ten weeks going
    back. Returns the missions (current and upcoming first), a staff user who staffs them all and
    one who staffs only the current mission.
    """
    today = today or date.today()
    starts = [today - timedelta(days=10)]  # under way
    starts += [today + timedelta(days=d) for d in (30, 120, 240)][: max(0, count - 1)]
    starts += [today - timedelta(days=70 * n) for n in range(1, count - len(starts) + 1)]
    missions = [
        build_large_mission(
            slug=f"agency-{n:03d}",
            name=f"Agency mission {n:03d} ({start:%b %Y})",
            meetings=max(1, items - AGENCY_LEGS),
            legs=AGENCY_LEGS,
            members=members,
            organisations=50,
            start=start,
        )
        for n, start in enumerate(starts)
    ]
    users = get_user_model().objects
    for username in ("agency-planner", "agency-solo"):
        users.filter(username=username).delete()
    planner = users.create_user("agency-planner", "planner@example.org", is_staff=True)
    planner.staffed_delegations.set(missions)
    solo = users.create_user("agency-solo", "solo@example.org", is_staff=True)
    solo.staffed_delegations.set(missions[:1])
    return missions, planner, solo
