"""Two people edit the same thing: the later save is refused, says who changed what and when in local
time, and lets the user keep theirs or their own field by field (missionplanner/concurrency.py)."""

from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from delegations.models import Member
from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    MemberFactory,
    OrganisationFactory,
    StayFactory,
    TravelLegFactory,
    UserFactory,
    local,
)
from tests.threads import in_threads


@pytest.fixture
def mission():
    return DelegationFactory(
        slug="korea-2026",
        start_date=date(2026, 5, 10),
        end_date=date(2026, 5, 20),
        home_timezone="Asia/Seoul",
    )


@pytest.fixture
def seoul():
    return CityFactory(name="Seoul", local_name="서울", country="South Korea", timezone="Asia/Seoul")


def _client(mission, username: str) -> Client:
    user = UserFactory(username=username)
    mission.staff.add(user)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def kim(mission):
    return _client(mission, "kim")


@pytest.fixture
def planner(mission):
    return _client(mission, "planner")


@pytest.fixture
def meeting(mission, seoul):
    return MeetingFactory(
        delegation=mission,
        city=seoul,
        title="MOTIE",
        venue="Government Complex",
        starts_at=local(seoul, "2026-05-13 09:30"),
        ends_at=local(seoul, "2026-05-13 10:30"),
    )


def _posted(form) -> dict:
    """What the browser posts for a form as the page shows it, hidden fields and choices included."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, list):
            data[name] = [str(item) for item in value]
        elif isinstance(value, datetime):
            data[name] = value.strftime("%Y-%m-%dT%H:%M")  # the datetime-local input
        else:
            data[name] = value
    for conflict in getattr(form, "conflicts", []):
        if conflict.asks:
            data[conflict.input_name] = conflict.keep
    return data


def _open(client, url: str) -> dict:
    return _posted(client.get(url).context["form"])


def _save(client, url: str, data: dict) -> None:
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors


def _rows(response) -> dict[str, tuple]:
    return {
        conflict.label: (conflict.opened, conflict.theirs, conflict.yours, conflict.asks, conflict.keep)
        for conflict in response.context["form"].conflicts
    }


@pytest.fixture
def refused(meeting, kim, planner):
    """Planner opens the meeting; Kim moves it to 11:00 and retitles it; planner retitles it and
    changes the venue, and saves: refused."""
    url = reverse("meeting-edit", args=[meeting.delegation.slug, meeting.pk])
    mine = _open(planner, url)
    _save(kim, url, {**_open(kim, url), "title": "MOTIE (Minister)", "starts_at": "2026-05-13T11:00",
                     "ends_at": "2026-05-13T12:00"})  # fmt: skip
    response = planner.post(url, {**mine, "title": "MOTIE: batteries", "venue": "Sejong"})
    assert response.status_code == 200
    return url, response


@pytest.mark.django_db
def test_a_stale_edit_says_who_changed_it_and_when_in_the_meetings_local_time(refused, meeting):
    _, response = refused
    (message,) = response.context["form"].non_field_errors()
    assert message.startswith("kim changed this meeting on ")
    assert "KST, UTC+9, after you opened it. Nothing was saved and your input is kept." in message
    meeting.refresh_from_db()
    assert meeting.title == "MOTIE (Minister)"


@pytest.mark.django_db
def test_a_stale_edit_lists_each_field_they_changed_as_opened_theirs_and_yours(refused):
    _, response = refused
    assert _rows(response) == {
        "Title": ("MOTIE", "MOTIE (Minister)", "MOTIE: batteries", True, "theirs"),
        "Starts": (
            "Wed 13 May 09:30 KST, UTC+9",
            "Wed 13 May 11:00 KST, UTC+9",
            "Wed 13 May 09:30 KST, UTC+9",
            True,
            "theirs",
        ),
        "Ends": (
            "Wed 13 May 10:30 KST, UTC+9",
            "Wed 13 May 12:00 KST, UTC+9",
            "Wed 13 May 10:30 KST, UTC+9",
            True,
            "theirs",
        ),
    }  # the venue only the user changed: not asked
    page = response.content.decode()
    assert 'name="keep-title" id="keep-title-theirs" value="theirs" checked' in page
    assert 'value="Sejong"' in page  # the user's input is kept


@pytest.mark.django_db
def test_saving_again_keeps_theirs_or_yours_as_chosen_per_field(refused, meeting, planner):
    url, response = refused
    data = {**_posted(response.context["form"]), "keep-title": "yours"}
    _save(planner, url, data)
    meeting.refresh_from_db()
    assert meeting.title == "MOTIE: batteries"  # mine
    assert meeting.local_start.strftime("%H:%M") == "11:00"  # theirs
    assert meeting.local_end.strftime("%H:%M") == "12:00"
    assert meeting.venue == "Sejong"  # only mine changed it


@pytest.mark.django_db
def test_saving_again_without_choosing_keeps_their_change(refused, meeting, planner):
    # What used to undo their time change silently.
    url, response = refused
    form = response.context["form"]
    data = {name: value for name, value in _posted(form).items() if not name.startswith("keep-")}
    _save(planner, url, data)
    meeting.refresh_from_db()
    assert (meeting.title, meeting.local_start.strftime("%H:%M")) == ("MOTIE (Minister)", "11:00")
    assert meeting.venue == "Sejong"


@pytest.mark.django_db
def test_a_mistake_after_a_refusal_keeps_the_questions_and_the_choices(refused, meeting, planner):
    url, response = refused
    data = {**_posted(response.context["form"]), "keep-title": "yours", "kind": "picnic"}
    again = planner.post(url, data)
    assert again.status_code == 200
    assert "kind" in again.context["form"].errors
    assert {label: row[3:] for label, row in _rows(again).items()} == {
        "Title": (True, "yours"),
        "Starts": (True, "theirs"),
        "Ends": (True, "theirs"),
    }
    _save(planner, url, {**_posted(again.context["form"]), "kind": "b2b"})
    meeting.refresh_from_db()
    assert meeting.title == "MOTIE: batteries"
    assert meeting.local_end.strftime("%H:%M") == "12:00"  # theirs, as still chosen


@pytest.mark.django_db
def test_a_third_change_is_asked_about_and_earlier_choices_stand(refused, meeting, kim, planner):
    url, response = refused
    data = {**_posted(response.context["form"]), "keep-title": "yours"}
    _save(kim, url, {**_open(kim, url), "venue": "COEX"})
    again = planner.post(url, data)
    assert again.status_code == 200
    rows = _rows(again)
    assert rows["Venue"] == ("Government Complex", "COEX", "Sejong", True, "theirs")
    assert rows["Title"] == ("MOTIE", "MOTIE (Minister)", "MOTIE: batteries", True, "yours")
    assert rows["Starts"][3:] == (True, "theirs")


@pytest.mark.django_db
def test_their_change_that_matches_yours_is_listed_but_not_asked(meeting, kim, planner):
    url = reverse("meeting-edit", args=[meeting.delegation.slug, meeting.pk])
    mine = _open(planner, url)
    _save(kim, url, {**_open(kim, url), "venue": "COEX"})
    response = planner.post(url, {**mine, "venue": "COEX", "title": "MOTIE: batteries"})
    assert _rows(response) == {"Venue": ("Government Complex", "COEX", "COEX", False, "theirs")}
    assert "They made the same changes as you" in response.content.decode()
    _save(planner, url, _posted(response.context["form"]))
    meeting.refresh_from_db()
    assert (meeting.venue, meeting.title) == ("COEX", "MOTIE: batteries")


@pytest.mark.django_db
def test_a_moved_meeting_shows_each_time_in_its_own_citys_zone(meeting, kim, planner):
    beijing = CityFactory()
    url = reverse("meeting-edit", args=[meeting.delegation.slug, meeting.pk])
    mine = _open(planner, url)
    _save(kim, url, {**_open(kim, url), "city": beijing.pk})  # same wall clock, now Beijing's
    response = planner.post(url, {**mine, "title": "MOTIE: batteries"})
    rows = _rows(response)
    assert rows["City"][:3] == ("Seoul (서울)", "Beijing (北京)", "Seoul (서울)")
    assert rows["Starts"][:3] == (
        "Wed 13 May 09:30 KST, UTC+9",
        "Wed 13 May 09:30 CST, UTC+8",
        "Wed 13 May 09:30 KST, UTC+9",
    )


@pytest.mark.django_db
def test_attendees_and_choices_are_listed_by_name_and_label(meeting, kim, planner):
    avdis = MemberFactory(delegation=meeting.delegation, full_name="Panorea Avdis")
    url = reverse("meeting-edit", args=[meeting.delegation.slug, meeting.pk])
    mine = _open(planner, url)
    _save(kim, url, {**_open(kim, url), "attendees": [avdis.pk], "kind": "b2b"})
    response = planner.post(url, mine)
    rows = _rows(response)
    assert rows["Attendees"][:3] == ("whole delegation", "Panorea Avdis", "whole delegation")
    assert rows["Kind"][:3] == ("Government meeting", "B2B matchmaking", "Government meeting")


@pytest.mark.django_db
def test_a_change_made_outside_the_app_is_someone_elses(meeting, planner):
    url = reverse("meeting-edit", args=[meeting.delegation.slug, meeting.pk])
    mine = _open(planner, url)
    meeting.venue = "COEX"
    meeting.save()  # a script: no request, no user in its history
    response = planner.post(url, mine)
    (message,) = response.context["form"].non_field_errors()
    assert message.startswith("Someone else changed this meeting on ")


@pytest.mark.django_db
def test_a_change_from_your_own_other_tab_says_so(meeting, planner):
    url = reverse("meeting-edit", args=[meeting.delegation.slug, meeting.pk])
    first, second = _open(planner, url), _open(planner, url)
    _save(planner, url, {**first, "venue": "COEX"})
    (message,) = planner.post(url, second).context["form"].non_field_errors()
    assert message.startswith("You (planner) changed this meeting in another tab or window on ")


@pytest.mark.django_db
def test_a_form_posted_without_its_opened_values_asks_about_every_difference(meeting, planner):
    url = reverse("meeting-edit", args=[meeting.delegation.slug, meeting.pk])
    mine = {name: value for name, value in _open(planner, url).items() if name != "opened"}
    meeting.venue = "COEX"
    meeting.save()
    response = planner.post(url, {**mine, "title": "MOTIE: batteries"})
    assert _rows(response) == {
        "Title": ("—", "MOTIE", "MOTIE: batteries", True, "theirs"),
        "Venue": ("—", "COEX", "Government Complex", True, "theirs"),
    }


@pytest.mark.django_db
def test_opened_values_of_another_row_are_not_trusted(mission, seoul, meeting, planner):
    other = MeetingFactory(delegation=mission, city=seoul, title="KOTRA", starts_at=meeting.starts_at,
                           ends_at=meeting.ends_at)  # fmt: skip
    url = reverse("meeting-edit", args=[mission.slug, meeting.pk])
    mine = _open(planner, url)
    mine["opened"] = _open(planner, reverse("meeting-edit", args=[mission.slug, other.pk]))["opened"]
    meeting.venue = "COEX"
    meeting.save()
    rows = _rows(planner.post(url, mine))
    assert rows["Venue"][0] == "—"  # not KOTRA's venue


def _member(mission):
    return MemberFactory(delegation=mission, full_name="Panorea Avdis", phone="+1 916 555 0100")


def _meeting(mission):
    return MeetingFactory(
        delegation=mission,
        starts_at=datetime.fromisoformat("2026-05-13T09:30:00+08:00"),
        ends_at=datetime.fromisoformat("2026-05-13T10:30:00+08:00"),
    )


def _leg(mission):
    return TravelLegFactory(
        delegation=mission,
        departs_at=datetime.fromisoformat("2026-05-10T11:00:00-07:00"),
        arrives_at=datetime.fromisoformat("2026-05-11T15:00:00+08:00"),
    )


# Each form: how to make its row, the page that edits it, a field someone else changes, one the user changes.
KINDS = {
    "meeting": (_meeting, "meeting-edit", "venue", "title"),
    "travel leg": (_leg, "leg-edit", "carrier", "number"),
    "stay": (lambda m: StayFactory(delegation=m), "stay-edit", "hotel_name", "hotel_address"),
    "member": (_member, "member-edit", "title", "phone"),
    "mission": (lambda m: m, "delegation-edit", "summary", "name"),
    "city": (lambda m: CityFactory(), "city-edit", "local_name", "latitude"),
    "organisation": (lambda m: OrganisationFactory(), "organisation-edit", "local_name", "country"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_every_edit_form_settles_a_stale_edit_field_by_field(kind, mission, planner):
    make, url_name, theirs, yours = KINDS[kind]
    row = make(mission)
    if url_name == "delegation-edit":
        url = reverse(url_name, args=[mission.slug])
    elif url_name in ("city-edit", "organisation-edit"):
        url = reverse(url_name, args=[row.pk])
    else:
        url = reverse(url_name, args=[mission.slug, row.pk])
    mine = _open(planner, url)
    setattr(row, theirs, "Their value")
    row.save()
    new = "12.5" if yours == "latitude" else "My value"
    response = planner.post(url, {**mine, yours: new})
    assert response.status_code == 200
    (message,) = response.context["form"].non_field_errors()
    assert f"changed this {kind} on " in message
    assert [conflict.theirs for conflict in response.context["form"].conflicts] == ["Their value"]
    _save(planner, url, _posted(response.context["form"]))
    row.refresh_from_db()
    assert getattr(row, theirs) == "Their value"
    assert str(getattr(row, yours)) in (new, "12.50000")


@pytest.mark.django_db
def test_a_mission_changed_meanwhile_says_when_in_its_home_zone(mission, planner):
    url = reverse("delegation-edit", args=[mission.slug])
    mine = _open(planner, url)
    mission.summary = "Batteries and hydrogen"
    mission.save()
    (message,) = planner.post(url, mine).context["form"].non_field_errors()
    assert "KST, UTC+9, after you opened it" in message  # Seoul office, not the server's UTC


@pytest.mark.django_db
def test_an_organisation_changed_meanwhile_says_when_in_the_project_zone(planner, settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    organisation = OrganisationFactory()
    url = reverse("organisation-edit", args=[organisation.pk])
    mine = _open(planner, url)
    organisation.local_name = "삼성"
    organisation.save()
    (message,) = planner.post(url, mine).context["form"].non_field_errors()
    assert "DT, UTC−7, after you opened it" in message or "ST, UTC−8, after you opened it" in message


@pytest.mark.django_db
def test_an_edit_of_a_deleted_item_is_refused_not_a_crash(mission, planner):
    member = MemberFactory(delegation=mission)
    url = reverse("member-edit", args=[mission.slug, member.pk])
    data = _open(planner, url)
    Member.objects.filter(pk=member.pk).delete()
    assert planner.post(url, {**data, "full_name": "New name"}).status_code == 404


@pytest.mark.django_db
def test_a_change_by_update_query_is_refused_too(mission, planner):
    member = MemberFactory(delegation=mission, full_name="Old")
    url = reverse("member-edit", args=[mission.slug, member.pk])
    mine = _open(planner, url)
    Member.objects.filter(pk=member.pk).update(
        full_name="Theirs", updated_at=member.updated_at + timedelta(seconds=1)
    )
    response = planner.post(url, {**mine, "full_name": "Mine"})
    assert response.status_code == 200
    assert "Someone else changed this member" in response.content.decode()
    member.refresh_from_db()
    assert member.full_name == "Theirs"


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_people_saving_the_same_meeting_at_once_one_wins_the_other_is_refused():
    user = UserFactory()
    meeting = MeetingFactory(venue="China World Hotel")
    meeting.delegation.staff.add(user)
    url = reverse("meeting-edit", args=[meeting.delegation.slug, meeting.pk])
    opened = {
        "title": meeting.title, "kind": meeting.kind, "status": meeting.status, "city": meeting.city_id,
        "starts_at": "2016-10-25T09:30", "ends_at": "2016-10-25T10:30",
        "version": meeting.updated_at.isoformat(),
    }  # fmt: skip

    def save(n):
        client = Client()
        client.force_login(user)
        response = client.post(url, {**opened, "venue": f"Venue of editor {n}"})
        return response.status_code, response.content.decode()

    results = in_threads(2, save)
    assert sorted(code for code, _ in results) == [200, 302]
    refused = next(body for code, body in results if code == 200)
    assert "changed this meeting in another tab or window" in refused  # the same user, twice
    meeting.refresh_from_db()
    assert meeting.venue in ("Venue of editor 0", "Venue of editor 1")
    assert f'value="Venue of editor {1 - int(meeting.venue[-1])}"' in refused  # the loser's input is kept
