from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from itinerary.models import ItemStatus, Meeting
from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    StayFactory,
    TravelLegFactory,
    local,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sacramento():
    return CityFactory(
        name="Sacramento", local_name="", country="United States", timezone="America/Los_Angeles"
    )


# --- City ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Asia/Beijing", "PST8PDT-ish", "Europe/Nowhere", ""])
def test_city_with_unknown_timezone_is_rejected(zone):
    city = CityFactory.build(name="Atlantis", timezone=zone)
    with pytest.raises(ValidationError) as excinfo:
        city.full_clean()
    assert "timezone" in excinfo.value.message_dict


def test_city_with_known_timezone_is_valid():
    CityFactory.build(name="Hong Kong", timezone="Asia/Hong_Kong").full_clean()


def test_city_latitude_out_of_range_is_rejected_by_validation_and_database():
    city = CityFactory.build(name="Nowhere", latitude="91")
    with pytest.raises(ValidationError) as excinfo:
        city.full_clean()
    assert "latitude" in excinfo.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        city.save()


def test_city_in_use_by_a_meeting_cannot_be_deleted():
    meeting = MeetingFactory()
    with pytest.raises(ProtectedError):
        meeting.city.delete()


# --- Stay ---------------------------------------------------------------------------------------


def test_stay_departing_before_arrival_is_rejected():
    stay = StayFactory.build(
        delegation=DelegationFactory(), arrival_date=date(2016, 10, 28), departure_date=date(2016, 10, 24)
    )
    stay.city.save()
    with pytest.raises(ValidationError, match="departure date cannot be before"):
        stay.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        stay.save()


def test_stay_outside_the_delegation_dates_is_rejected():
    delegation = DelegationFactory(start_date=date(2016, 10, 21), end_date=date(2016, 11, 5))
    stay = StayFactory.build(
        delegation=delegation,
        city=CityFactory(),
        arrival_date=date(2016, 11, 3),
        departure_date=date(2016, 11, 7),
    )
    with pytest.raises(ValidationError, match=r"within the mission's dates \(21 Oct – 5 Nov 2016\)"):
        stay.full_clean()


def test_stays_may_share_the_changeover_day():
    first = StayFactory(arrival_date=date(2016, 10, 24), departure_date=date(2016, 10, 28))
    nanjing = CityFactory(name="Nanjing", local_name="南京")
    StayFactory.build(
        delegation=first.delegation,
        city=nanjing,
        arrival_date=date(2016, 10, 28),
        departure_date=date(2016, 10, 30),
    ).full_clean()


def test_overlapping_stays_are_rejected():
    first = StayFactory(arrival_date=date(2016, 10, 24), departure_date=date(2016, 10, 28))
    nanjing = CityFactory(name="Nanjing", local_name="南京")
    overlapping = StayFactory.build(
        delegation=first.delegation,
        city=nanjing,
        arrival_date=date(2016, 10, 27),
        departure_date=date(2016, 10, 30),
    )
    with pytest.raises(ValidationError, match="overlaps"):
        overlapping.full_clean()


def test_editing_a_stay_does_not_overlap_itself():
    stay = StayFactory(arrival_date=date(2016, 10, 24), departure_date=date(2016, 10, 28))
    stay.hotel_name = "China World Hotel"
    stay.full_clean()


# --- Meeting ------------------------------------------------------------------------------------


def test_meeting_ending_before_it_starts_is_rejected_by_validation_and_database():
    meeting = MeetingFactory.build(city=CityFactory(), delegation=DelegationFactory())
    meeting.ends_at = meeting.starts_at - timedelta(minutes=1)
    with pytest.raises(ValidationError, match="must end after it starts"):
        meeting.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        meeting.save()


def test_meeting_of_zero_length_is_rejected():
    meeting = MeetingFactory.build(city=CityFactory(), delegation=DelegationFactory())
    meeting.ends_at = meeting.starts_at
    with pytest.raises(ValidationError, match="must end after it starts"):
        meeting.full_clean()


def test_meeting_local_times_are_in_its_city_zone():
    meeting = MeetingFactory()
    assert meeting.local_start.strftime("%Y-%m-%d %H:%M %Z") == "2016-10-25 09:30 CST"
    assert meeting.starts_at.utcoffset() is not None


@pytest.mark.parametrize(
    ("wall_clock", "utc", "abbreviation"),
    [
        # US daylight time ended on 6 November 2016 at 02:00 local.
        ("2016-11-04 09:30", "2016-11-04 16:30", "PDT"),
        ("2016-11-07 09:30", "2016-11-07 17:30", "PST"),
    ],
)
def test_meeting_in_sacramento_keeps_its_wall_clock_time_across_dst(
    sacramento, wall_clock, utc, abbreviation
):
    meeting = MeetingFactory(city=sacramento, starts_at=local(sacramento, wall_clock))
    meeting.refresh_from_db()
    assert meeting.starts_at.strftime("%Y-%m-%d %H:%M") == utc  # stored in UTC
    assert meeting.local_start.strftime("%Y-%m-%d %H:%M %Z") == f"{wall_clock} {abbreviation}"


def test_meeting_uid_is_unique_and_stable_across_edits():
    meeting = MeetingFactory()
    other = MeetingFactory()
    uid = meeting.uid
    meeting.title = "Renamed"
    meeting.starts_at += timedelta(hours=1)
    meeting.ends_at += timedelta(hours=1)
    meeting.save()
    meeting.refresh_from_db()
    assert meeting.uid == uid
    assert meeting.uid != other.uid
    assert meeting.ical_uid.startswith(str(uid) + "@")


def _reloaded(meeting):
    return Meeting.objects.get(pk=meeting.pk)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda m: setattr(m, "starts_at", m.starts_at - timedelta(minutes=30)), id="start"),
        pytest.param(lambda m: setattr(m, "ends_at", m.ends_at + timedelta(minutes=30)), id="end"),
        pytest.param(lambda m: setattr(m, "venue", "Ministry of Commerce"), id="venue"),
        pytest.param(lambda m: setattr(m, "address", "2 Dong Chang'an Avenue"), id="address"),
        pytest.param(
            lambda m: setattr(m, "city", CityFactory(name="Shanghai", local_name="上海")), id="city"
        ),
        pytest.param(lambda m: setattr(m, "status", ItemStatus.CANCELLED), id="status"),
    ],
)
def test_meeting_sequence_grows_when_time_place_or_status_change(change):
    meeting = _reloaded(MeetingFactory())
    assert meeting.sequence == 0
    change(meeting)
    meeting.save()
    assert meeting.sequence == 1
    assert _reloaded(meeting).sequence == 1


def test_meeting_sequence_stays_when_only_the_title_or_notes_change():
    meeting = _reloaded(MeetingFactory())
    meeting.title = "New title"
    meeting.staff_notes = "Bring gifts"
    meeting.save()
    assert _reloaded(meeting).sequence == 0


def test_meeting_sequence_grows_once_per_save_and_again_on_the_next_change():
    meeting = _reloaded(MeetingFactory())
    meeting.status = ItemStatus.TENTATIVE
    meeting.venue = "China World Hotel"
    meeting.save()
    meeting.status = ItemStatus.CONFIRMED
    meeting.save()
    meeting.save()  # nothing changed
    assert _reloaded(meeting).sequence == 2


# --- TravelLeg ----------------------------------------------------------------------------------


def test_leg_arriving_before_departure_is_rejected_by_validation_and_database():
    leg = TravelLegFactory.build(delegation=DelegationFactory(), origin=CityFactory(name="Shanghai"))
    leg.destination.save()
    leg.arrives_at = leg.departs_at - timedelta(hours=1)
    with pytest.raises(ValidationError, match="arrive after it departs"):
        leg.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        leg.save()


def test_leg_to_the_same_city_is_rejected_by_validation_and_database():
    beijing = CityFactory()
    leg = TravelLegFactory.build(delegation=DelegationFactory(), origin=beijing, destination=beijing)
    with pytest.raises(ValidationError, match="must be different cities"):
        leg.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        leg.save()


def test_leg_departs_in_origin_zone_and_arrives_in_destination_zone():
    leg = TravelLegFactory()
    assert leg.local_departure.strftime("%d %H:%M %Z") == "23 12:50 PDT"
    assert leg.local_arrival.strftime("%d %H:%M %Z") == "24 16:55 CST"
    assert leg.arrives_at - leg.departs_at == timedelta(hours=13, minutes=5)


def test_leg_crossing_the_date_line_eastbound_lands_before_it_leaves_in_local_time():
    hong_kong = CityFactory(name="Hong Kong", timezone="Asia/Hong_Kong")
    san_francisco = CityFactory(name="San Francisco", country="United States", timezone="America/Los_Angeles")
    leg = TravelLegFactory(
        origin=hong_kong,
        destination=san_francisco,
        departs_at=local(hong_kong, "2016-11-05 12:45"),
        arrives_at=local(san_francisco, "2016-11-05 09:35"),
    )
    leg.full_clean()
    assert leg.local_arrival.time() < leg.local_departure.time()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda leg: setattr(leg, "departs_at", leg.departs_at + timedelta(hours=1)), id="departure"
        ),
        pytest.param(lambda leg: setattr(leg, "status", ItemStatus.CANCELLED), id="status"),
        pytest.param(lambda leg: setattr(leg, "destination", CityFactory(name="Shanghai")), id="destination"),
    ],
)
def test_leg_sequence_grows_when_time_place_or_status_change(change):
    leg = type(TravelLegFactory()).objects.get()
    change(leg)
    leg.save()
    leg.refresh_from_db()
    assert leg.sequence == 1


def test_leg_sequence_stays_when_only_the_booking_reference_changes():
    leg = type(TravelLegFactory()).objects.get()
    leg.booking_reference = "XK9Q2P"
    leg.save()
    leg.refresh_from_db()
    assert leg.sequence == 0


def test_meeting_sequence_stays_when_an_ambiguous_local_time_is_saved_again(sacramento):
    # 01:30 on 6 Nov 2016 happened twice in California; saving the same instant must not bump SEQUENCE.
    meeting = MeetingFactory(city=sacramento, starts_at=local(sacramento, "2016-11-06 01:30"))
    meeting = _reloaded(meeting)
    meeting.starts_at = local(sacramento, "2016-11-06 01:30")
    meeting.save()
    assert _reloaded(meeting).sequence == 0
