"""B2B staff pages: sessions in local time, participants and requests, the grid's forms and JSON,
solving, outcomes, and constant query counts."""

import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from itinerary.models import ItemStatus
from matchmaking.grid import proof_words
from matchmaking.models import Participant, Placement, Priority, Request, Session
from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    MemberFactory,
    OrganisationFactory,
    ParticipantFactory,
    PlacementFactory,
    RequestFactory,
    SessionFactory,
    UserFactory,
    local,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def delegation():
    return DelegationFactory(slug="ca-china-2016")


@pytest.fixture
def staff_client(client, delegation):
    user = UserFactory(username="planner")
    delegation.staff.add(user)
    client.force_login(user)
    return client


@pytest.fixture
def session(delegation):
    return SessionFactory(delegation=delegation, title="Shanghai buyers")


def _url(name, session, *args):
    return reverse(name, args=[session.delegation.slug, session.pk, *args])


def _session_data(city, **changes):
    data = {
        "title": "B2B with Shanghai buyers", "city": city.pk, "venue": "Shanghai Exhibition Center",
        "date": "2016-10-26", "starts_at": "14:00", "ends_at": "17:00", "slot_minutes": 20,
        "breaks": "15:20–15:40", "tables": 10, "time_limit_seconds": 20,
    }  # fmt: skip
    data.update(changes)
    return data


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def _errors(response) -> list[str]:
    form = response.context["form"]
    return [message for errors in form.errors.values() for message in errors]


# Sessions


def test_a_session_typed_in_shanghai_time_is_stored_in_utc(staff_client, delegation):
    shanghai = CityFactory(name="Shanghai", timezone="Asia/Shanghai")
    response = staff_client.post(
        reverse("b2b-session-create", args=[delegation.slug]), _session_data(shanghai)
    )
    session = Session.objects.get()
    assert response.status_code == 302 and response["Location"] == _url("b2b-session", session)
    assert session.starts_at == datetime(2016, 10, 26, 6, 0, tzinfo=UTC)
    assert session.ends_at == datetime(2016, 10, 26, 9, 0, tzinfo=UTC)
    assert session.delegation == delegation
    assert [slot.label for slot in session.slots()][3:5] == ["15:00–15:20", "15:40–16:00"]


def test_the_edit_form_shows_the_rooms_clock_and_keeps_it(staff_client, session):
    response = staff_client.get(_url("b2b-session-edit", session))
    content = response.content.decode()
    assert 'value="14:00"' in content and 'value="17:00"' in content and 'value="2016-10-26"' in content
    assert "Local time in Shanghai: CST, UTC+8." in content
    form = response.context["form"]
    data = {
        **_session_data(session.city, title="Renamed", ends_at="16:00"),
        "version": form["version"].value(),
        "opened": form["opened"].value(),
    }
    assert staff_client.post(_url("b2b-session-edit", session), data).status_code == 302
    session.refresh_from_db()
    assert session.title == "Renamed"
    assert session.local_end.strftime("%H:%M") == "16:00"


def test_fewer_tables_say_in_words_which_meeting_came_off_the_grid(staff_client, session):
    PlacementFactory(seller__session=session, slot=1, table=2)
    PlacementFactory(seller__session=session, slot=1, table=9)
    form = staff_client.get(_url("b2b-session-edit", session)).context["form"]
    data = {
        **_session_data(session.city, tables=5),
        "version": form["version"].value(),
        "opened": form["opened"].value(),
    }
    response = staff_client.post(_url("b2b-session-edit", session), data, follow=True)
    assert _messages(response)[-1] == (
        "1 meeting was in a slot or at a table that no longer exists and came off the grid: "
        "it is listed with the unplaced requests."
    )


def test_a_time_the_clocks_skip_is_refused_with_the_forms_message(staff_client, delegation):
    sacramento = CityFactory(name="Sacramento", country="United States", timezone="America/Los_Angeles")
    data = _session_data(sacramento, date="2016-03-13", starts_at="02:30", ends_at="05:00")
    response = staff_client.post(reverse("b2b-session-create", args=[delegation.slug]), data)
    assert response.status_code == 200
    assert _errors(response) == [
        "13 Mar 2016 02:30 does not exist in America/Los_Angeles: the clocks go forward then. "
        "Choose another time."
    ]
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"breaks": "lunch"}, "“lunch” is not a break: write it as 15:20–15:40, and separate breaks with "
                              "commas."),
        ({"breaks": "15:40-15:20"}, "The break “15:40-15:20” must end after it starts."),
        ({"ends_at": "13:00"}, "The session must end after it starts, on the same day."),
        ({"slot_minutes": 240, "ends_at": "15:00"}, "No 240-minute meeting fits between the start, the end "
                                                    "and the breaks."),
        ({"city": ""}, "This field is required."),
    ],
)  # fmt: skip
def test_a_bad_session_is_refused_in_words(staff_client, delegation, changes, expected):
    shanghai = CityFactory(name="Shanghai", timezone="Asia/Shanghai")
    data = {**_session_data(shanghai), **changes}
    response = staff_client.post(reverse("b2b-session-create", args=[delegation.slug]), data)
    assert response.status_code == 200
    assert expected in _errors(response)
    assert not Session.objects.exists()


def test_the_overview_links_to_the_sessions_and_the_list_to_each(staff_client, session):
    slug = session.delegation.slug
    overview = staff_client.get(reverse("delegation-overview", args=[slug])).content.decode()
    assert f'href="{reverse("b2b-session-list", args=[slug])}">B2B sessions</a>' in overview
    listing = staff_client.get(reverse("b2b-session-list", args=[slug])).content.decode()
    assert f'href="{_url("b2b-session", session)}">Shanghai buyers</a>' in listing


def test_deleting_a_session_says_what_goes_and_cancels_its_meetings(staff_client, session):
    placement = PlacementFactory(seller__session=session, slot=2, table=3)
    RequestFactory(session=session, requester=placement.seller, target=placement.buyer)
    staff_client.post(
        _url("b2b-grid-edit", session), {"action": "move", "placement": placement.pk, "slot": 3, "table": 3}
    )
    placement.refresh_from_db()
    meeting = placement.meeting
    page = staff_client.get(_url("b2b-session-delete", session)).content.decode()
    assert "its 2 participants and 1 request" in page and "its 1 meeting," in page
    response = staff_client.post(_url("b2b-session-delete", session))
    assert response["Location"] == reverse("b2b-session-list", args=[session.delegation.slug])
    assert not Session.objects.exists()
    meeting.refresh_from_db()
    assert meeting.status == ItemStatus.CANCELLED


# Participants and requests


def test_a_seller_is_added_with_members_of_this_mission_only(staff_client, session, delegation):
    company = OrganisationFactory(name="Pacific Solar")
    kim = MemberFactory(delegation=delegation, full_name="Kim Daniel", organisation=company)
    stranger = MemberFactory(full_name="Someone Else")  # another mission's member
    url = _url("b2b-participant-create", session) + "?side=seller"
    form = staff_client.get(url).context["form"]
    assert list(form.fields["members"].queryset) == [kim]
    response = staff_client.post(url, {"organisation": company.pk, "members": [stranger.pk]})
    assert "Only members of this mission can sit at the table." in _errors(response)
    response = staff_client.post(url, {"organisation": company.pk, "members": []})
    assert "Name at least one member who sits at the table." in _errors(response)
    response = staff_client.post(
        url, {"organisation": company.pk, "members": [kim.pk], "available_from": "15:00"}
    )
    assert response.status_code == 302
    seller = Participant.objects.get(organisation=company)
    assert (seller.side, list(seller.members.all()), seller.available_from.hour) == ("seller", [kim], 15)


def test_a_buyer_is_added_with_its_contact_and_once_per_session(staff_client, session):
    buyer_org = OrganisationFactory(name="Shanghai Pudong Trading", local_name="上海浦东贸易")
    url = _url("b2b-participant-create", session) + "?side=buyer"
    data = {
        "organisation": buyer_org.pk,
        "contact_name": "Li Wei",
        "contact_local_name": "李伟",
        "language": "zh",
    }
    assert staff_client.post(url, data).status_code == 302
    buyer = Participant.objects.get(organisation=buyer_org)
    assert (buyer.side, buyer.contact_local_name, buyer.language) == ("buyer", "李伟", "zh")
    response = staff_client.post(url, data)
    assert "This organisation already takes part in this session." in _errors(response)
    response = staff_client.post(
        url, {**data, "organisation": OrganisationFactory().pk, "available_until": "13:00"}
    )
    assert "The session only starts at 14:00." in _errors(response)
    listing = staff_client.get(_url("b2b-participant-list", session)).content.decode()
    assert "Shanghai Pudong Trading" in listing and "李伟" in listing and "14:00–17:00" in listing


def test_requests_between_one_side_or_twice_are_refused_in_words(staff_client, session):
    seller = ParticipantFactory(session=session, seller=True)
    buyer, other_buyer = ParticipantFactory(session=session), ParticipantFactory(session=session)
    url = _url("b2b-request-create", session)
    response = staff_client.post(url, {"requester": buyer.pk, "target": other_buyer.pk, "priority": "want"})
    assert response.status_code == 200
    assert "A request is between a seller and a buyer, not two of the same side." in _errors(response)
    assert (
        staff_client.post(url, {"requester": buyer.pk, "target": seller.pk, "priority": "must"}).status_code
        == 302
    )
    response = staff_client.post(url, {"requester": buyer.pk, "target": seller.pk, "priority": "could"})
    assert "This request already exists; change its priority instead." in _errors(response)
    # The other direction is the other side asking too: a mutual request.
    assert (
        staff_client.post(url, {"requester": seller.pk, "target": buyer.pk, "priority": "want"}).status_code
        == 302
    )
    assert Request.objects.count() == 2


def test_a_request_to_a_participant_of_another_session_is_refused(staff_client, session):
    seller = ParticipantFactory(session=session, seller=True)
    elsewhere = ParticipantFactory()  # another session
    response = staff_client.post(
        _url("b2b-request-create", session),
        {"requester": seller.pk, "target": elsewhere.pk, "priority": "want"},
    )
    assert "Choose a participant of this session." in _errors(response)


def test_ids_no_row_can_have_are_refused_in_words_not_with_a_500(staff_client, session):
    huge = "9" * 20  # past 64 bits: SQLite cannot even compare it
    url = _url("b2b-participant-create", session) + "?side=seller"
    response = staff_client.post(url, {"organisation": huge, "members": [huge]})
    assert "Choose an organisation from the list." in _errors(response)
    response = staff_client.post(_url("b2b-request-create", session), {"requester": huge, "target": huge})
    assert "Choose a participant of this session." in _errors(response)
    answer = _json(staff_client, session, {"action": "pin", "placement": huge})
    assert answer.status_code == 400 and "less than or equal to" in answer.json()["error"]


def test_removing_a_participant_cancels_their_meetings(staff_client, session):
    placement = PlacementFactory(seller__session=session, slot=None, table=None)
    RequestFactory(session=session, requester=placement.seller, target=placement.buyer)
    staff_client.post(
        _url("b2b-grid-edit", session), {"action": "move", "placement": placement.pk, "slot": 1, "table": 1}
    )
    placement.refresh_from_db()
    meeting = placement.meeting
    page = staff_client.get(_url("b2b-participant-delete", session, placement.buyer.pk)).content.decode()
    assert "1 request made by or to" in page and "1 meeting, which" in page
    assert staff_client.post(_url("b2b-participant-delete", session, placement.buyer.pk)).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == ItemStatus.CANCELLED
    assert not Placement.objects.exists()


# The grid


@pytest.fixture
def grid(session):
    seller = ParticipantFactory(session=session, seller=True, organisation__name="Pacific Solar")
    buyers = [ParticipantFactory(session=session, organisation__name=f"Buyer {n}") for n in (1, 2)]
    for buyer in buyers:
        RequestFactory(session=session, requester=seller, target=buyer, priority=Priority.MUST)
    placed = PlacementFactory(session=session, seller=seller, buyer=buyers[0], slot=1, table=1)
    return seller, buyers, placed


def test_the_session_page_shows_the_grid_counts_and_unplaced_requests(staff_client, session, grid):
    _, _, placed = grid
    Placement.objects.filter(pk=placed.pk).update(outcome="held")
    response = staff_client.get(_url("b2b-session", session))
    content = response.content.decode()
    assert 'data-count="placed"><strong>1</strong> meeting placed' in content
    assert 'data-count="held"><strong>1</strong> held' in content
    assert 'data-count="unplaced"><strong>1</strong> requested pair not placed' in content
    assert content.count('class="b2b-cell') == 9 * 10
    assert f'data-placement="{placed.pk}"' in content and "Pacific Solar" in content
    assert "Buyer 2" in content and "It fits in a free slot" in content  # the unplaced one, with its reason
    assert "9 slots of 20 minutes (14:00–17:00) at 10 tables" in content
    assert "Not solved yet" in content


def test_a_grid_form_moves_a_meeting_and_says_so(staff_client, session, grid):
    _, _, placed = grid
    response = staff_client.post(
        _url("b2b-grid-edit", session),
        {
            "action": "move",
            "placement": placed.pk,
            "slot": 4,
            "table": 2,
            "version": placed.updated_at.isoformat(),
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == _url("b2b-session", session) + "#grid"
    assert any("to slot 4 (15:00–15:20), table 2. Pinned" in m for m in _messages(response))
    placed.refresh_from_db()
    assert (placed.slot, placed.table, placed.pinned) == (4, 2, True)


def test_a_grid_form_refused_says_why_and_changes_nothing(staff_client, session, grid):
    _, _, placed = grid
    response = staff_client.post(
        _url("b2b-grid-edit", session),
        {"action": "move", "placement": placed.pk, "slot": 40, "table": 2},
        follow=True,
    )
    assert "Slot 40 does not exist: this session has 9 slots (14:00–17:00)." in _messages(response)
    response = staff_client.post(_url("b2b-grid-edit", session), {"action": "move"}, follow=True)
    assert "Choose the meeting and a slot and a table." in _messages(response)
    placed.refresh_from_db()
    assert (placed.slot, placed.table) == (1, 1)


def test_the_grid_forms_go_back_only_to_this_sessions_pages(staff_client, session, grid):
    _, _, placed = grid
    data = {"action": "pin", "placement": placed.pk}
    own = _url("b2b-placement", session, placed.pk)
    assert staff_client.post(_url("b2b-grid-edit", session), {**data, "next": own})["Location"] == own
    for elsewhere in ("https://evil.example/", "/admin/"):
        response = staff_client.post(_url("b2b-grid-edit", session), {**data, "next": elsewhere})
        assert response["Location"] == _url("b2b-session", session) + "#grid"


def test_a_meeting_is_added_by_hand_from_the_add_page(staff_client, session, grid):
    seller, buyers, _ = grid
    page = staff_client.get(_url("b2b-placement-add", session) + "?slot=2&table=5").content.decode()
    assert (
        f'value="{seller.pk}-{buyers[1].pk}"' in page
        and "Pacific Solar ↔ Buyer 2 (must meet (seller))" in page
    )
    response = staff_client.post(
        _url("b2b-grid-edit", session),
        {"action": "add", "pair": f"{seller.pk}-{buyers[1].pk}", "slot": 2, "table": 5},
    )
    assert response.status_code == 302
    added = Placement.objects.get(buyer=buyers[1])
    assert (added.slot, added.table, added.pinned) == (2, 5, True)


def test_the_meeting_page_offers_every_edit_as_a_form(staff_client, session, grid):
    seller, buyers, placed = grid
    PlacementFactory(session=session, seller=seller, buyer=buyers[1], slot=2, table=1)
    content = staff_client.get(_url("b2b-placement", session, placed.pk)).content.decode()
    for action in ("move", "swap", "pin", "remove", "outcome"):
        assert f'name="action" value="{action}"' in content
    assert "Slot 1 (14:00–14:20 local time), table 1." in content


def _json(client, session, body):
    return client.post(_url("b2b-grid-json", session), json.dumps(body), content_type="application/json")


def test_the_json_endpoint_moves_and_answers_in_words(staff_client, session, grid):
    _, _, placed = grid
    response = _json(
        staff_client, session, {"action": "move", "placement": placed.pk, "slot": 2, "table": 7,
                                "version": placed.updated_at.isoformat()}
    )  # fmt: skip
    assert response.status_code == 200
    answer = response.json()
    assert answer["ok"] is True and "Pinned: the solver keeps it there." in answer["message"]
    placed.refresh_from_db()
    assert answer["placements"] == [
        {"id": placed.pk, "slot": 2, "table": 7, "pinned": True, "version": placed.updated_at.isoformat()}
    ]


def test_a_meeting_past_a_cap_is_a_warning_in_the_answer_and_on_the_grid(staff_client, session, grid):
    seller, buyers, placed = grid
    Participant.objects.filter(pk=seller.pk).update(max_meetings=1)
    row = PlacementFactory(session=session, seller=seller, buyer=buyers[1], slot=None, table=None)
    answer = _json(
        staff_client, session, {"action": "move", "placement": row.pk, "slot": 2, "table": 3}
    ).json()
    assert answer["ok"] is True
    assert answer["warnings"] == [
        "Pacific Solar has 2 meetings, past its cap of 1. The meeting is kept; take one off or raise the cap."
    ]
    page = staff_client.get(_url("b2b-session", session)).content.decode()
    assert page.count("data-over-cap") == 2  # both of its meetings are marked
    assert "past its cap of 1" in page
    meeting = staff_client.get(_url("b2b-placement", session, row.pk)).content.decode()
    assert "past its cap of 1" in meeting
    Placement.objects.filter(pk=placed.pk).update(slot=None, table=None)
    assert "data-over-cap" not in staff_client.get(_url("b2b-session", session)).content.decode()


def test_the_json_endpoint_refuses_in_words_with_the_right_status(staff_client, session, grid):
    seller, buyers, placed = grid
    other = PlacementFactory(session=session, seller=seller, buyer=buyers[1], slot=3, table=1)
    busy = _json(staff_client, session, {"action": "move", "placement": placed.pk, "slot": 3, "table": 4})
    assert busy.status_code == 400
    assert "Pacific Solar already meets Buyer 2 in slot 3 (14:40–15:00)" in busy.json()["error"]
    stale = _json(
        staff_client,
        session,
        {"action": "move", "placement": other.pk, "slot": 5, "table": 5, "version": "2016-01-01"},
    )
    assert stale.status_code == 409 and "since you loaded the grid" in stale.json()["error"]
    gone = _json(staff_client, session, {"action": "pin", "placement": 999999})
    assert gone.status_code == 404
    assert _json(staff_client, session, ["not", "an", "edit"]).status_code == 400
    bad = staff_client.post(_url("b2b-grid-json", session), b"{", content_type="application/json")
    assert bad.json() == {"ok": False, "error": "The edit could not be read."}


def test_a_meeting_of_another_session_cannot_be_edited_from_this_one(staff_client, session, grid, delegation):
    elsewhere = PlacementFactory(seller__session__delegation=delegation, slot=1, table=1)
    response = _json(staff_client, session, {"action": "remove", "placement": elsewhere.pk})
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.slot == 1


# Solving and outcomes


def test_solve_buttons_queue_a_solve_and_the_status_says_how_it_stands(staff_client, session):
    response = staff_client.post(_url("b2b-solve", session), {"mode": "fill"}, follow=True)
    assert any(m.startswith("Solving the empty slots, keeping every meeting") for m in _messages(response))
    session.refresh_from_db()
    assert session.solve_state == Session.SolveState.QUEUED
    again = staff_client.post(_url("b2b-solve", session), {"mode": "all"}, follow=True)
    assert "A solve is already under way; its progress is shown below." in _messages(again)
    wrong = staff_client.post(_url("b2b-solve", session), {"mode": "everything"}, follow=True)
    assert "Choose “Solve” or “Fill empty slots only”." in _messages(wrong)
    Session.objects.filter(pk=session.pk).update(
        solve_state=Session.SolveState.DONE, solve_message="12 of 14 requests placed", placed_weight=996,
        best_bound=1000,
    )  # fmt: skip
    status = staff_client.get(_url("b2b-solve-status", session)).json()
    assert status == {
        "state": "done", "state_label": "Solved", "message": "12 of 14 requests placed", "placed_weight": 996,
        "best_bound": 1000, "gap": pytest.approx(0.004), "proof": "proven within 0.4 % of the best possible",
        "finished": True,
    }  # fmt: skip
    page = staff_client.get(_url("b2b-session", session)).content.decode()
    assert "weight 996 placed of at most 1000 possible — proven within 0.4 % of the best possible." in page


def test_fill_empty_slots_from_the_page_keeps_the_meetings_and_says_what_was_proven(
    staff_client, session, grid, django_capture_on_commit_callbacks
):
    seller, buyers, placed = grid
    with django_capture_on_commit_callbacks(execute=True):  # the task runs as the request commits
        staff_client.post(_url("b2b-solve", session), {"mode": "fill"})
    session.refresh_from_db()
    assert session.solve_state == Session.SolveState.DONE
    placed.refresh_from_db()
    assert (placed.slot, placed.table) == (1, 1)  # kept where it was
    added = Placement.objects.get(seller=seller, buyer=buyers[1])
    assert added.is_placed and added.slot != 1  # the seller is at table 1 in slot 1
    page = staff_client.get(_url("b2b-session", session)).content.decode()
    assert "proven optimal." in page
    assert 'data-count="placed"><strong>2</strong> meetings placed' in page


@pytest.mark.parametrize(
    ("weight", "bound", "words"),
    [
        (None, None, ""), (50, 50, "proven optimal"), (0, 0, "proven optimal"),
        (9999, 10000, "proven within less than 0.1 % of the best possible"),
    ],
)  # fmt: skip
def test_the_proven_gap_in_words(weight, bound, words):
    assert proof_words(Session(placed_weight=weight, best_bound=bound)) == words


def test_outcomes_are_marked_from_the_list_and_counted(staff_client, session, grid):
    _, _, placed = grid
    url = _url("b2b-outcomes", session)
    assert "<strong>0</strong> held" in staff_client.get(url).content.decode()
    response = staff_client.post(
        _url("b2b-grid-edit", session),
        {"action": "outcome", "placement": placed.pk, "outcome": "no_show", "note": "Flight delayed",
         "next": f"{url}#meeting-{placed.pk}"},
    )  # fmt: skip
    assert response["Location"] == f"{url}#meeting-{placed.pk}"
    content = staff_client.get(url).content.decode()
    assert "<strong>1</strong> no-show" in content and 'value="Flight delayed"' in content
    page = staff_client.get(_url("b2b-session", session)).content.decode()
    assert 'data-count="no-show"><strong>1</strong> no-show' in page


# Queries


def _grow(session, sellers: int, buyers: int):
    sellers = [ParticipantFactory(session=session, seller=True) for _ in range(sellers)]
    buyers = [ParticipantFactory(session=session) for _ in range(buyers)]
    for n, buyer in enumerate(buyers):
        seller = sellers[n % len(sellers)]
        RequestFactory(session=session, requester=buyer, target=seller)
        slot, table = divmod(n, len(sellers))  # each seller at its own table, one buyer a slot
        if slot < 9 and table < session.tables:
            PlacementFactory(session=session, seller=seller, buyer=buyer, slot=slot + 1, table=table + 1,
                             pinned=n % 2 == 0, outcome="held" if n % 3 == 0 else "")  # fmt: skip
    # A member of each of two sellers has another meeting during the session: availability reads them.
    for seller in sellers[:2]:
        meeting = MeetingFactory(
            delegation=session.delegation,
            city=session.city,
            starts_at=local(session.city, "2016-10-26 15:00"),
            ends_at=local(session.city, "2016-10-26 16:00"),
        )
        meeting.attendees.set(seller.members.all())


# Twelve of each are the "not yet published" banner's (the grid's meetings are unpublished changes):
# the latest release, the mission's row versions (two), the delegation read again and the mission.
@pytest.mark.parametrize(
    ("name", "queries"), [("b2b-session", 29), ("b2b-participant-list", 24), ("b2b-outcomes", 19)]
)
def test_session_pages_take_the_same_number_of_queries_at_any_size(
    staff_client, delegation, django_assert_num_queries, name, queries
):
    for sellers, buyers in ((2, 3), (12, 60)):
        session = SessionFactory(delegation=delegation)
        _grow(session, sellers, buyers)
        with django_assert_num_queries(queries):
            response = staff_client.get(_url(name, session))
        assert response.status_code == 200


def test_b2b_pages_say_the_rooms_zone_the_house_way_never_a_bare_zone_name(staff_client, session):
    """One rule for every page: a time's zone reads "CST, UTC+8", as the schedule and forms say it."""
    pages = {
        "sessions": reverse("b2b-session-list", args=[session.delegation.slug]),
        "session": _url("b2b-session", session),
        "participants": _url("b2b-participant-list", session),
        "import": _url("b2b-import", session),
    }
    for name, url in pages.items():
        content = staff_client.get(url).content.decode()
        assert "CST, UTC+8" in content, name
        assert "Asia/Shanghai" not in content, name
