import re
from datetime import date, timedelta

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from itinerary.admin import MeetingAdmin
from itinerary.history import ReadableHistoryAdmin, change_log, item_restore
from itinerary.models import DeletedItem, Meeting, MeetingCounterpart, TravelLeg
from publishing.release import release_publish
from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    MemberFactory,
    OrganisationFactory,
    TravelLegFactory,
    UserFactory,
    local,
)
from tests.feeds.parsers import with_icalendar

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    delegation = DelegationFactory(start_date=date(2016, 10, 21), end_date=date(2016, 11, 5))
    user = UserFactory(username="planner")
    delegation.staff.add(user)
    client.force_login(user)
    return client, delegation


def test_a_meetings_page_shows_who_changed_what(staff):
    client, delegation = staff
    meeting = MeetingFactory(delegation=delegation, venue="China World Hotel")
    url = reverse("meeting-edit", args=[delegation.slug, meeting.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("attendees", "counterparts")}
    data.update(
        version=form["version"].value(),
        city=meeting.city_id,
        starts_at="2016-10-25T09:30",
        ends_at="2016-10-25T10:30",
        venue="MOFCOM",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    page = client.get(url).content.decode()
    assert "planner changed it" in page
    assert "Venue: China World Hotel → MOFCOM" in page


def test_a_deleted_meeting_can_be_restored_with_its_uid_attendees_and_a_higher_sequence(staff):
    client, delegation = staff
    avdis = MemberFactory(delegation=delegation, full_name="Panorea Avdis")
    meeting = Meeting.objects.get(pk=MeetingFactory(delegation=delegation, title="LeEco").pk)
    meeting.attendees.add(avdis)
    uid = meeting.uid
    client.post(reverse("meeting-delete", args=[delegation.slug, meeting.pk]))
    tombstone = DeletedItem.objects.get(uid=uid)
    listing = client.get(reverse("deleted-items", args=[delegation.slug])).content.decode()
    assert "LeEco" in listing
    # Deleted now, with the delegation at home: on the mission's clock, its home office's.
    assert re.search(r"deleted \w{3} \d+ \w{3} \d{4}, \d\d:\d\d P[DS]T, UTC−[78] by planner", listing)
    record = Meeting.history.get(id=meeting.pk, history_type="-")
    response = client.post(reverse("item-restore", args=[delegation.slug, "meeting", record.history_id]))
    assert response.status_code == 302
    restored = Meeting.objects.get(uid=uid)
    assert restored.pk == meeting.pk and restored.title == "LeEco"
    assert list(restored.attendees.all()) == [avdis]
    assert restored.sequence > tombstone.sequence
    assert not DeletedItem.objects.filter(uid=uid).exists()
    release_publish(delegation=delegation, notify=False)
    feed = with_icalendar(client.get(reverse("delegation-calendar", args=[delegation.feed_token])).content)
    assert feed[restored.ical_uid][2:] == ("CONFIRMED", restored.sequence)
    assert (
        "Nothing has been deleted"
        in client.get(reverse("deleted-items", args=[delegation.slug])).content.decode()
    )


def _links(record) -> tuple[set[int], set[int]]:
    """The counterparts and attendees a historical record keeps."""
    counterparts = {row.organisation_id for row in record.counterparts.all()}
    return counterparts, {row.member_id for row in record.attendees.all()}


def test_a_restored_meeting_comes_back_with_its_counterparts_and_attendees(staff):
    client, delegation = staff
    avdis, bruni = (MemberFactory(delegation=delegation, full_name=n) for n in ("Panorea Avdis", "Ada Bruni"))
    leeco, mofcom = (OrganisationFactory(name=name) for name in ("LeEco", "MOFCOM"))
    meeting = MeetingFactory(delegation=delegation, title="LeEco")
    meeting.attendees.set([avdis, bruni])
    meeting.counterparts.set([leeco, mofcom])
    client.post(reverse("meeting-delete", args=[delegation.slug, meeting.pk]))
    assert not Meeting.objects.filter(pk=meeting.pk).exists()
    record = Meeting.history.get(id=meeting.pk, history_type="-")
    assert _links(record) == ({leeco.pk, mofcom.pk}, {avdis.pk, bruni.pk})  # read before Django drops them
    response = client.post(reverse("item-restore", args=[delegation.slug, "meeting", record.history_id]))
    assert response.status_code == 302
    restored = Meeting.objects.get(uid=meeting.uid)
    assert set(restored.counterparts.all()) == {leeco, mofcom}
    assert set(restored.attendees.all()) == {avdis, bruni}
    assert change_log(restored)[0].what == "restored"


def test_a_restored_leg_comes_back_with_its_attendees():
    leg = TravelLegFactory()
    travellers = MemberFactory.create_batch(2, delegation=leg.delegation)
    leg.attendees.set(travellers)
    TravelLeg.objects.get(pk=leg.pk).delete()
    record = TravelLeg.history.get(id=leg.pk, history_type="-")
    assert {row.member_id for row in record.attendees.all()} == {member.pk for member in travellers}
    restored = item_restore(record=record)
    assert set(restored.attendees.all()) == set(travellers)


def test_what_was_deleted_meanwhile_is_left_out_of_a_restored_meeting():
    # Only live meetings protect their counterparts: history keeps no constraint on them.
    meeting = MeetingFactory()
    kept, gone = OrganisationFactory.create_batch(2)
    stays, leaves = MemberFactory.create_batch(2, delegation=meeting.delegation)
    meeting.counterparts.set([kept, gone])
    meeting.attendees.set([stays, leaves])
    Meeting.objects.get(pk=meeting.pk).delete()
    gone.delete()
    leaves.delete()
    restored = item_restore(record=Meeting.history.get(id=meeting.pk, history_type="-"))
    assert list(restored.counterparts.all()) == [kept]
    assert list(restored.attendees.all()) == [stays]


def test_a_meeting_deleted_in_the_admin_keeps_its_counterparts_and_attendees(admin_client):
    meeting = MeetingFactory()
    organisation, member = OrganisationFactory(), MemberFactory(delegation=meeting.delegation)
    meeting.counterparts.add(organisation)
    meeting.attendees.add(member)
    response = admin_client.post(
        reverse("admin:itinerary_meeting_delete", args=[meeting.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert _links(Meeting.history.get(id=meeting.pk, history_type="-")) == ({organisation.pk}, {member.pk})


def test_counterparts_saved_one_by_one_are_recorded_as_the_admin_inline_saves_them():
    meeting = MeetingFactory()
    organisation = OrganisationFactory()
    link = MeetingCounterpart.objects.create(meeting=meeting, organisation=organisation)
    assert _links(meeting.history.first()) == ({organisation.pk}, set())
    link.delete()
    assert _links(meeting.history.first()) == (set(), set())
    assert meeting.history.count() == 3


def test_attendees_changed_from_the_members_side_are_recorded_on_the_items():
    meeting = MeetingFactory()
    member = MemberFactory(delegation=meeting.delegation)
    member.meetings.add(meeting)
    assert _links(meeting.history.first()) == (set(), {member.pk})
    member.meetings.clear()
    assert _links(meeting.history.first()) == (set(), set())


def test_the_change_log_names_attendees_and_counterparts_changed_in_one_save(staff):
    client, delegation = staff
    avdis = MemberFactory(delegation=delegation, full_name="Panorea Avdis")
    meeting = MeetingFactory(delegation=delegation, venue="China World Hotel")
    url = reverse("meeting-edit", args=[delegation.slug, meeting.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("attendees", "counterparts")}
    data.update(
        version=form["version"].value(),
        city=meeting.city_id,
        starts_at="2016-10-25T09:30",
        ends_at="2016-10-25T10:30",
        venue="MOFCOM",
        attendees=[avdis.pk],
        counterparts=[OrganisationFactory(name="LeEco").pk],
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    latest = change_log(meeting)[0]
    assert (latest.who, latest.what) == ("planner", "changed")
    assert latest.details == [
        "Venue: China World Hotel → MOFCOM",
        "Attendees: whole delegation → Panorea Avdis",
        "Counterparts: none → LeEco",
    ]
    assert "Attendees: whole delegation → Panorea Avdis" in client.get(url).content.decode()


def test_history_never_keeps_feed_tokens():
    member = MemberFactory()
    assert not hasattr(member.history.first(), "feed_token")


@pytest.fixture
def seoul_meeting(staff):
    client, delegation = staff
    seoul = CityFactory(name="Seoul", local_name="서울", country="South Korea", timezone="Asia/Seoul")
    delegation.start_date, delegation.end_date = date(2026, 5, 10), date(2026, 5, 20)
    delegation.save()
    meeting = MeetingFactory(
        delegation=delegation,
        city=seoul,
        title="MOTIE",
        starts_at=local(seoul, "2026-05-13 09:30"),
        ends_at=local(seoul, "2026-05-13 10:30"),
    )
    url = reverse("meeting-edit", args=[delegation.slug, meeting.pk])

    def edit(**changes):
        form = client.get(url).context["form"]
        data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
        data.update(
            starts_at=f"{meeting.local_start:%Y-%m-%dT%H:%M}", ends_at=f"{meeting.local_end:%Y-%m-%dT%H:%M}"
        )
        response = client.post(url, {**data, **changes})
        assert response.status_code == 302, response.context["form"].errors
        meeting.refresh_from_db()

    return client, url, meeting, edit


def test_a_meeting_edited_twice_reads_in_local_time_with_labels_and_names(seoul_meeting):
    client, url, meeting, edit = seoul_meeting
    edit(starts_at="2026-05-13T10:00", ends_at="2026-05-13T11:00")
    edit(city=CityFactory().pk, kind="b2b", starts_at="2026-05-13T11:00", ends_at="2026-05-13T12:00")
    second, first, _created = change_log(meeting)
    assert first.details == [
        "Starts: Wed 13 May 09:30 KST, UTC+9 → 10:00 KST, UTC+9",
        "Ends: Wed 13 May 10:30 KST, UTC+9 → 11:00 KST, UTC+9",
    ]
    assert second.details == [
        "Kind: Government meeting → B2B matchmaking",
        "City: Seoul (서울) → Beijing (北京)",
        # The old time in Seoul's zone, the new in Beijing's: 10:00 KST is 01:00 UTC, 11:00 CST 03:00.
        "Starts: Wed 13 May 10:00 KST, UTC+9 → 11:00 CST, UTC+8",
        "Ends: Wed 13 May 11:00 KST, UTC+9 → 12:00 CST, UTC+8",
    ]
    # When, on the mission's clock: made now, with the delegation at its home office (Pacific time).
    assert re.fullmatch(r"\w{3} \d+ \w{3} \d{4}, \d\d:\d\d P[DS]T, UTC−[78]", second.when_text)
    history = client.get(url).content.decode().split('id="history"')[1]
    assert "Starts: Wed 13 May 09:30 KST, UTC+9 → 10:00 KST, UTC+9" in history
    assert "+00:00" not in history and " UTC<" not in history


def test_a_legs_change_log_reads_departures_at_the_origin_and_arrivals_at_the_destination():
    leg = TravelLegFactory()  # San Francisco to Beijing
    leg.departs_at += timedelta(hours=1)
    leg.arrives_at += timedelta(days=1)
    leg.save()
    assert change_log(leg)[0].details == [
        "Departs: Sun 23 Oct 12:50 PDT, UTC−7 → 13:50 PDT, UTC−7",
        "Arrives: Mon 24 Oct 16:55 CST, UTC+8 → Tue 25 Oct 16:55 CST, UTC+8",
    ]


def _admin_history(model_admin, obj, user) -> str:
    request = RequestFactory().get(f"/admin/history/{obj.pk}/")
    request.user = user
    return model_admin.history_view(request, str(obj.pk)).content.decode()


def test_the_admin_history_reads_as_the_staff_pages(seoul_meeting):
    _client, _url, meeting, edit = seoul_meeting
    edit(starts_at="2026-05-13T10:00", ends_at="2026-05-13T11:00", kind="b2b")
    meeting.attendees.add(MemberFactory(delegation=meeting.delegation, full_name="Panorea Avdis"))
    superuser = UserFactory(username="root", is_superuser=True)
    page = _admin_history(MeetingAdmin(type(meeting), admin.site), meeting, superuser)
    assert "<strong>Starts:</strong> Wed 13 May 09:30 KST, UTC+9&nbsp;&rarr; 10:00 KST, UTC+9" in page
    assert "<strong>Kind:</strong> Government meeting&nbsp;&rarr; B2B matchmaking" in page
    assert "<strong>Attendees:</strong> whole delegation&nbsp;&rarr; Panorea Avdis" in page
    assert "+00:00" not in page and "b2b" not in page


def test_the_meeting_admin_is_built_on_the_readable_history():
    # The admins with history (meetings, legs, missions, members) take it from ReadableHistoryAdmin.
    assert isinstance(admin.site._registry[type(MeetingFactory.build())], ReadableHistoryAdmin)
    assert issubclass(MeetingAdmin, ReadableHistoryAdmin)
