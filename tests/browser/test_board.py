"""The planning board in Chromium: drag, resize, a stale move, undo, a DST day in Sacramento.

Every step waits on what the page shows (the status line, a block's time), never on a delay.
"""

import re
from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from playwright.sync_api import expect

from itinerary.models import Meeting
from publishing.release import release_publish
from tests.browser.csp import settle, watch_for_csp_violations
from tests.browser.test_staff_schedule import PASSWORD, log_in
from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    MemberFactory,
    StayFactory,
    TravelLegFactory,
    UserFactory,
    local,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _mission(*, city, day: str, starts: str, ends: str, title: str = "MOFCOM"):
    first = date.fromisoformat(day)
    delegation = DelegationFactory(
        slug="board-mission", start_date=first, end_date=first.replace(day=first.day + 2)
    )
    StayFactory(delegation=delegation, city=city)
    meeting = MeetingFactory(
        delegation=delegation,
        city=city,
        title=title,
        starts_at=local(city, f"{day} {starts}"),
        ends_at=local(city, f"{day} {ends}"),
    )
    delegation.staff.add(UserFactory(username="planner", password=PASSWORD))
    return delegation, meeting


def _open_board(page, live_server, delegation):
    log_in(page, live_server, "planner")
    page.goto(f"{live_server.url}/delegations/{delegation.slug}/board/")


def _board_to_top(page) -> None:
    """Scroll the page so the grid starts at the top of the window: a pointer near the window's edge
    makes the calendar scroll the page during a drag, which would move the drop."""
    page.evaluate(
        "window.scrollTo(0, document.getElementById('board').getBoundingClientRect().top + scrollY)"
    )


def _drag(page, locator, *, minutes: int, duration: int, handle: str = "body") -> None:
    """Drag a block (or its resize handle) down by `minutes`, measuring the grid from the block itself.

    The block is `duration` minutes tall; the pointer goes down in steps, as a hand does, so the
    calendar sees a drag rather than a click.
    """
    _board_to_top(page)
    box = locator.bounding_box()
    per_minute = box["height"] / duration
    x = box["x"] + box["width"] / 2
    y = box["y"] + 8 if handle == "body" else box["y"] + box["height"] - 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x, y + per_minute * minutes * step / 10)
    page.mouse.up()


def _drag_across(page, locator, target) -> None:
    """Drag a block sideways into the column whose heading is `target`, keeping its height (its time)."""
    _board_to_top(page)
    box, column = locator.bounding_box(), target.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + 8
    to = column["x"] + column["width"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + (to - x) * step / 10, y)
    page.mouse.up()


# Whether the block titled arg[0] is drawn in the column headed arg[1] (blocks are positioned over
# the columns, not inside them).
_IN_COLUMN = """([title, day]) => {
    const block = [...document.querySelectorAll(".ec-event")].find((e) => e.textContent.includes(title));
    const head = [...document.querySelectorAll(".ec-col-head")].find((e) => e.textContent.startsWith(day));
    if (!block || !head) return false;
    const b = block.getBoundingClientRect(), h = head.getBoundingClientRect();
    return h.left <= b.left + b.width / 2 && b.left + b.width / 2 <= h.right;
}"""


def _utc(meeting) -> tuple[datetime, datetime]:
    meeting.refresh_from_db()
    return meeting.starts_at.astimezone(UTC), meeting.ends_at.astimezone(UTC)


def _feed_event(client, delegation, uid) -> str:
    body = client.get(f"/feeds/delegation/{delegation.feed_token}.ics").content.decode().replace("\r\n ", "")
    return next(part for part in body.split("BEGIN:VEVENT") if f"UID:{uid}" in part)


def test_board_drag_moves_a_meeting_in_beijing_and_the_feed_after_publishing(
    page, live_server, client, screenshot
):
    delegation, meeting = _mission(city=CityFactory(), day="2016-10-25", starts="10:00", ends="11:00")
    release_publish(delegation=delegation, notify=False)
    before = _feed_event(client, delegation, meeting.ical_uid)
    assert "SEQUENCE:0" in before and "DTSTART;TZID=Asia/Shanghai:20161025T100000" in before
    violations = watch_for_csp_violations(page)
    _open_board(page, live_server, delegation)
    block = page.locator(".ec-event", has_text="MOFCOM")
    expect(block).to_contain_text("10:00–11:00 CST, UTC+8")
    settle(page)

    _drag(page, block, minutes=90, duration=60)

    expect(page.locator("#board-status")).to_contain_text("Saved: MOFCOM, 11:30–12:30 CST, UTC+8")
    expect(block).to_contain_text("11:30–12:30 CST, UTC+8")
    assert _utc(meeting) == (
        datetime(2016, 10, 25, 3, 30, tzinfo=UTC),
        datetime(2016, 10, 25, 4, 30, tzinfo=UTC),
    )
    # The banner of every staff page comes with the move's answer, without a reload.
    expect(page.locator("#unpublished")).to_contain_text("1 change not yet published")
    page.reload()
    expect(page.locator("#unpublished")).to_contain_text("1 change not yet published")
    screenshot(page, "board")
    release_publish(delegation=delegation, notify=False)
    after = _feed_event(client, delegation, meeting.ical_uid)
    assert "DTSTART;TZID=Asia/Shanghai:20161025T113000" in after
    assert int(re.search(r"SEQUENCE:(\d+)", after)[1]) > 0
    assert violations == []


def test_board_drag_to_another_days_column_moves_the_meeting_to_that_day(page, live_server):
    delegation, meeting = _mission(city=CityFactory(), day="2016-10-25", starts="10:00", ends="11:00")
    violations = watch_for_csp_violations(page)
    _open_board(page, live_server, delegation)
    block = page.locator(".ec-event", has_text="MOFCOM")
    expect(block).to_contain_text("10:00–11:00 CST, UTC+8")
    wednesday = page.locator(".ec-col-head", has_text="Wed 26 Oct")
    expect(wednesday).to_contain_text("Beijing")
    settle(page)

    with page.expect_response(lambda r: r.url.endswith("/board/move/")) as answered:
        _drag_across(page, block, wednesday)

    assert answered.value.status == 200
    expect(page.locator("#board-status")).to_contain_text("Saved: MOFCOM, 10:00–11:00 CST, UTC+8")
    assert _utc(meeting) == (
        datetime(2016, 10, 26, 2, 0, tzinfo=UTC),  # the same wall-clock hour, a day later
        datetime(2016, 10, 26, 3, 0, tzinfo=UTC),
    )
    # The block is drawn in Wednesday's column now (waiting on the calendar's own redraw).
    page.wait_for_function(_IN_COLUMN, arg=["MOFCOM", "Wed 26 Oct"])
    assert page.evaluate(_IN_COLUMN, ["MOFCOM", "Tue 25 Oct"]) is False
    assert violations == []


def test_board_resize_lengthens_a_meeting(page, live_server):
    delegation, meeting = _mission(city=CityFactory(), day="2016-10-25", starts="10:00", ends="11:00")
    violations = watch_for_csp_violations(page)
    _open_board(page, live_server, delegation)
    block = page.locator(".ec-event", has_text="MOFCOM")
    expect(block).to_contain_text("10:00–11:00")
    settle(page)
    block.hover()  # the resize handle shows on hover

    _drag(page, block, minutes=30, duration=60, handle="end")

    expect(page.locator("#board-status")).to_contain_text("Saved: MOFCOM, 10:00–11:30 CST, UTC+8")
    assert _utc(meeting) == (
        datetime(2016, 10, 25, 2, 0, tzinfo=UTC),
        datetime(2016, 10, 25, 3, 30, tzinfo=UTC),
    )
    assert violations == []


def test_board_resize_of_a_legs_landing_block_reads_it_in_the_destinations_clock(page, live_server):
    beijing = CityFactory()
    seoul = CityFactory(name="Seoul", local_name="서울", country="South Korea", timezone="Asia/Seoul")
    delegation, _ = _mission(city=beijing, day="2016-10-25", starts="10:00", ends="11:00")
    # A late hop: it leaves Beijing at 22:30 on the 25th and lands in Seoul at 01:45 on the 26th.
    leg = TravelLegFactory(
        delegation=delegation, origin=beijing, destination=seoul, carrier="Asiana", number="OZ 334",
        departs_at=local(beijing, "2016-10-25 22:30"), arrives_at=local(seoul, "2016-10-26 01:45"),
    )  # fmt: skip
    violations = watch_for_csp_violations(page)
    _open_board(page, live_server, delegation)
    landing = page.locator(".ec-event", has_text="Arrives 01:45 KST, UTC+9")
    expect(landing).to_be_visible()
    landing.scroll_into_view_if_needed()
    settle(page)
    landing.hover()

    _drag(page, landing, minutes=30, duration=105, handle="end")

    expect(page.locator("#board-status")).to_contain_text(
        "Saved: Asiana OZ 334: Beijing → Seoul, 22:30 CST, UTC+8 → 02:15 KST, UTC+9 (+1 day)"
    )
    expect(page.locator(".ec-event", has_text="Arrives 02:15 KST, UTC+9")).to_be_visible()
    leg.refresh_from_db()
    assert (leg.departs_at, leg.arrives_at) == (
        datetime(2016, 10, 25, 14, 30, tzinfo=UTC),
        datetime(2016, 10, 25, 17, 15, tzinfo=UTC),  # 02:15 in Seoul
    )
    assert violations == []


def test_board_refuses_a_stale_move_and_puts_the_block_back(page, live_server):
    delegation, meeting = _mission(city=CityFactory(), day="2016-10-25", starts="10:00", ends="11:00")
    _open_board(page, live_server, delegation)
    block = page.locator(".ec-event", has_text="MOFCOM")
    expect(block).to_contain_text("10:00–11:00")
    # Someone else moves it an hour earlier after the board loaded.
    meeting.starts_at, meeting.ends_at = (
        local(meeting.city, "2016-10-25 09:00"),
        local(meeting.city, "2016-10-25 10:00"),
    )
    meeting._history_user = UserFactory(username="ana")
    meeting.save()

    _drag(page, block, minutes=90, duration=60)

    status = page.locator("#board-status")
    expect(status).to_contain_text("ana changed “MOFCOM” on")
    expect(status).to_contain_text("It is back where they left it.")
    expect(block).to_contain_text("09:00–10:00 CST, UTC+8")
    assert _utc(meeting)[0] == datetime(2016, 10, 25, 1, 0, tzinfo=UTC)

    # Now the board holds the new version: a move goes through.
    _drag(page, block, minutes=60, duration=60)
    expect(status).to_contain_text("Saved: MOFCOM, 10:00–11:00")


def test_board_undo_puts_moves_back_with_the_button_and_ctrl_z(page, live_server):
    delegation, meeting = _mission(city=CityFactory(), day="2016-10-25", starts="10:00", ends="11:00")
    release_publish(delegation=delegation, notify=False)
    _open_board(page, live_server, delegation)
    block = page.locator(".ec-event", has_text="MOFCOM")
    expect(block).to_contain_text("10:00–11:00")
    status = page.locator("#board-status")

    banner = page.locator("#unpublished")
    expect(banner).to_have_count(0)

    _drag(page, block, minutes=60, duration=60)
    expect(status).to_contain_text("Saved: MOFCOM, 11:00–12:00")
    expect(banner).to_contain_text("1 change not yet published")
    _drag(page, block, minutes=120, duration=60)
    expect(status).to_contain_text("Saved: MOFCOM, 13:00–14:00")
    sequence = Meeting.objects.get(pk=meeting.pk).sequence

    page.get_by_role("button", name="Undo").click()
    expect(status).to_contain_text("Undone: MOFCOM, 11:00–12:00")
    page.keyboard.press("Control+z")
    expect(status).to_contain_text("Undone: MOFCOM, 10:00–11:00")
    expect(block).to_contain_text("10:00–11:00 CST, UTC+8")
    expect(banner).to_have_count(0)  # back where the release has it: nothing left to publish
    expect(page.get_by_role("button", name="Undo")).to_be_disabled()
    assert _utc(meeting)[0] == datetime(2016, 10, 25, 2, 0, tzinfo=UTC)
    assert Meeting.objects.get(pk=meeting.pk).sequence == sequence + 2  # undo is a move like any other


def test_board_on_dst_days_in_sacramento_refuses_the_skipped_hour(page, live_server):
    sacramento = CityFactory(
        name="Sacramento", local_name="", country="United States", timezone="America/Los_Angeles"
    )
    delegation, meeting = _mission(
        city=sacramento, day="2016-03-13", starts="00:30", ends="01:00", title="Early call"
    )
    violations = watch_for_csp_violations(page)
    _open_board(page, live_server, delegation)
    block = page.locator(".ec-event", has_text="Early call")
    expect(block).to_contain_text("00:30–01:00 PST, UTC−8")
    expect(page.locator(".ec-col-head").first).to_contain_text("Sun 13 Mar · Sacramento · PST, UTC−8")
    settle(page)

    # 02:30 does not exist that night: the clocks go from 02:00 PST to 03:00 PDT.
    block.scroll_into_view_if_needed()
    _drag(page, block, minutes=120, duration=30)
    expect(page.locator("#board-status")).to_contain_text(
        "13 Mar 2016 02:30 does not exist in America/Los_Angeles"
    )
    expect(block).to_contain_text("00:30–01:00 PST, UTC−8")
    assert _utc(meeting)[0] == datetime(2016, 3, 13, 8, 30, tzinfo=UTC)

    # 03:30 does, in daylight time (PDT, UTC-7): two hours after 00:30 PST in UTC, three on the clock.
    _drag(page, block, minutes=180, duration=30)
    expect(page.locator("#board-status")).to_contain_text("Saved: Early call, 03:30–04:00 PDT, UTC−7")
    assert _utc(meeting)[0] == datetime(2016, 3, 13, 10, 30, tzinfo=UTC)
    assert violations == []


def test_board_opens_forms_adds_a_meeting_from_a_range_and_shows_members_as_columns(page, live_server):
    delegation, meeting = _mission(city=CityFactory(), day="2016-10-25", starts="10:00", ends="11:00")
    ana = MemberFactory(delegation=delegation, full_name="Ana")
    MemberFactory(delegation=delegation, full_name="Ben")
    lunch = MeetingFactory(
        delegation=delegation,
        city=meeting.city,
        title="Lunch",
        starts_at=local(meeting.city, "2016-10-25 10:30"),
        ends_at=local(meeting.city, "2016-10-25 11:30"),
    )
    lunch.attendees.add(ana)
    violations = watch_for_csp_violations(page)
    _open_board(page, live_server, delegation)
    block = page.locator(".ec-event", has_text="MOFCOM")
    expect(block).to_contain_text("10:00–11:00")
    expect(page.locator(".ec-event", has_text="Lunch").locator(".board-badge")).to_have_text("⚠ 1")

    # Members as columns: Ana has both, side by side; Ben only the meeting for everyone.
    page.select_option("#board-view", "members")
    page.select_option("#board-day", "2016-10-25")
    expect(page.locator(".ec-col-head")).to_have_text(["Ana", "Ben"])
    expect(page.locator(".ec-event")).to_have_count(3)
    # Read only there: a member's column is not a day, so nothing can be dropped or stretched in it.
    expect(page.locator(".ec-event.ec-draggable")).to_have_count(0)
    expect(page.locator(".ec-event .ec-resizer")).to_have_count(0)
    page.select_option("#board-view", "days")
    expect(page.locator(".ec-event")).to_have_count(2)
    expect(page.locator(".ec-event.ec-draggable")).to_have_count(2)

    # An empty range from 14:00 to 15:00 on the same day opens Add meeting, prefilled.
    _board_to_top(page)
    hour = (
        page.locator(".ec-sidebar time", has_text="15:00").bounding_box()["y"]
        - page.locator(".ec-sidebar time", has_text="14:00").bounding_box()["y"]
    )
    box = block.bounding_box()
    x, top = box["x"] + box["width"] / 2, box["y"] + 4 * hour + 3  # MOFCOM starts at 10:00
    page.mouse.move(x, top)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x, top + (hour - 6) * step / 10)
    page.mouse.up()
    expect(page.get_by_role("heading", name="New meeting")).to_be_visible()
    expect(page.locator("#id_starts_at")).to_have_value("2016-10-25T14:00")
    expect(page.locator("#id_ends_at")).to_have_value("2016-10-25T15:00")
    expect(page.locator("#id_city option:checked")).to_contain_text("Beijing")
    settle(page)

    # A click on a block opens its edit form.
    page.go_back()
    page.locator(".ec-event", has_text="MOFCOM").click()
    expect(page).to_have_url(re.compile(rf"/meetings/{meeting.pk}/edit/$"))
    assert violations == []


def test_board_takes_one_move_at_a_time(page, live_server):
    """A second drag while the first is still being saved would carry a version the first replaces."""
    delegation, meeting = _mission(city=CityFactory(), day="2016-10-25", starts="10:00", ends="11:00")
    _open_board(page, live_server, delegation)
    block = page.locator(".ec-event", has_text="MOFCOM")
    expect(block).to_contain_text("10:00–11:00")
    held = []

    def hold_the_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)  # the first move's answer waits until the test lets it go

    page.route("**/board/move/", hold_the_first)

    _drag(page, block, minutes=60, duration=60)
    status = page.locator("#board-status")
    expect(status).to_contain_text("Saving…")
    _drag(page, block, minutes=60, duration=60)
    expect(status).to_contain_text("One move at a time")
    assert len(held) == 1
    held[0].continue_()

    expect(status).to_contain_text("Saved: MOFCOM, 11:00–12:00")
    assert _utc(meeting)[0] == datetime(2016, 10, 25, 3, 0, tzinfo=UTC)
    _drag(page, block, minutes=60, duration=60)  # with the new version, the next move goes through
    expect(status).to_contain_text("Saved: MOFCOM, 12:00–13:00")


def _drag_onto(page, locator, target, *, handle: str = "body") -> None:
    """Drag a block (or its lower edge) in steps and release it over `target`, wherever that is."""
    box, to = locator.bounding_box(), target.bounding_box()
    x = box["x"] + box["width"] / 2
    y = box["y"] + 8 if handle == "body" else box["y"] + box["height"] - 2
    to_x, to_y = to["x"] + to["width"] / 2, to["y"] + to["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + (to_x - x) * step / 10, y + (to_y - y) * step / 10)
    page.mouse.up()


@pytest.mark.parametrize("handle", ["body", "end"])
def test_board_drag_released_outside_the_grid_moves_nothing(page, live_server, handle):
    """Released over the toolbar above the grid, the calendar reads the pointer as a time before the
    column's midnight: a drop (or a stretch) that ends outside the grid is cancelled, not saved."""
    city = CityFactory()
    delegation = DelegationFactory(
        slug="board-mission", start_date=date(2017, 3, 11), end_date=date(2017, 3, 13)
    )
    StayFactory(delegation=delegation, city=city)
    meeting = MeetingFactory(
        delegation=delegation,
        city=city,
        title="Sunday meeting",
        starts_at=local(city, "2017-03-12 10:00"),
        ends_at=local(city, "2017-03-12 11:00"),
    )
    delegation.staff.add(UserFactory(username="planner", password=PASSWORD))
    before = Meeting.objects.values().get(pk=meeting.pk)
    moves = []
    page.on("request", lambda request: moves.append(request) if "/board/move/" in request.url else None)
    _open_board(page, live_server, delegation)
    block = page.locator(".ec-event", has_text="Sunday meeting")
    expect(block).to_contain_text("10:00–11:00 CST, UTC+8")
    toolbar = page.locator("#board-view")
    settle(page)
    if handle == "end":
        block.hover()  # the resize handle shows on hover

    _drag_onto(page, block, toolbar, handle=handle)

    status = page.locator("#board-status")
    expect(status).to_have_text("Released outside the board: nothing moved.")
    expect(block).to_contain_text("10:00–11:00 CST, UTC+8")
    assert moves == []
    assert Meeting.objects.values().get(pk=meeting.pk) == before
    # The block is back where it was, and still moves when dropped on the grid.
    _drag(page, block, minutes=60, duration=60)
    expect(status).to_contain_text("Saved: Sunday meeting, 11:00–12:00 CST, UTC+8")
    assert len(moves) == 1


def test_board_that_cannot_load_says_what_the_server_answered(page, live_server):
    """An error page is an answer: the board says what it was, not that the server was unreachable."""
    delegation, _ = _mission(city=CityFactory(), day="2016-10-25", starts="10:00", ends="11:00")
    error_page = render_to_string("500.html")
    page.route(
        "**/board/data/", lambda route: route.fulfill(status=500, content_type="text/html", body=error_page)
    )
    _open_board(page, live_server, delegation)

    status = page.locator("#board-status")
    expect(status).to_contain_text("The board could not be loaded: the server answered 500")
    expect(status).to_contain_text(
        "(“Something went wrong. The error was logged for the team. Nothing half-saved was kept: "
        "please go back and try again.”). The schedule page has everything."
    )
    expect(page.locator(".ec-event")).to_have_count(0)


def test_board_move_refused_by_the_server_says_why_and_puts_the_block_back(page, live_server, context):
    delegation, meeting = _mission(city=CityFactory(), day="2016-10-25", starts="10:00", ends="11:00")
    before = Meeting.objects.values().get(pk=meeting.pk)
    _open_board(page, live_server, delegation)
    block = page.locator(".ec-event", has_text="MOFCOM")
    expect(block).to_contain_text("10:00–11:00")
    status = page.locator("#board-status")

    # Django's CSRF check answers its own HTML 403 page (a token from before a new sign-in, say).
    page.evaluate("document.getElementById('board').dataset.csrfToken = 'a-token-from-another-session'")
    with page.expect_response(lambda r: r.url.endswith("/board/move/")) as answered:
        _drag(page, block, minutes=60, duration=60)
    assert answered.value.status == 403
    expect(status).to_have_text(
        "The move was not saved: the server answered 403 Forbidden "
        "(“CSRF verification failed. Request aborted.”). Reload the page and try again."
    )
    expect(block).to_contain_text("10:00–11:00")

    # The session ended meanwhile: the move is sent on to the sign-in page, no answer to a move either.
    page.reload()
    expect(block).to_contain_text("10:00–11:00")
    context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    _drag(page, block, minutes=60, duration=60)
    expect(status).to_contain_text(
        "The move was not saved: the server sent a page instead of an answer (“Log in"
    )
    expect(status).to_contain_text("; the session may have ended. Reload the page and try again.")
    expect(block).to_contain_text("10:00–11:00")
    assert Meeting.objects.values().get(pk=meeting.pk) == before


def test_board_drop_that_would_start_the_day_before_its_column_moves_nothing(page, live_server):
    """Grabbed near its bottom and pulled to the top of the column, a block would start the evening
    before (the calendar does not stop it at midnight): the board refuses the drop."""
    delegation, meeting = _mission(
        city=CityFactory(), day="2017-03-12", starts="01:00", ends="03:00", title="Early call"
    )
    before = Meeting.objects.values().get(pk=meeting.pk)
    moves = []
    page.on("request", lambda request: moves.append(request) if "/board/move/" in request.url else None)
    _open_board(page, live_server, delegation)
    block = page.locator(".ec-event", has_text="Early call")
    expect(block).to_contain_text("01:00–03:00 CST, UTC+8")
    _board_to_top(page)
    page.evaluate("document.querySelector('.ec-main').scrollTop = 0")
    expect(block).to_be_in_viewport()

    # Grabbed at 02:36, released at 00:10: the block would start at 22:34 the day before.
    box = block.bounding_box()
    per_minute = box["height"] / 120
    x, y = box["x"] + box["width"] / 2, box["y"] + 96 * per_minute
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x, y - 146 * per_minute * step / 10)
    page.mouse.up()

    expect(page.locator("#board-status")).to_have_text(
        "That drop would start “Early call” before midnight, on the day before its column: nothing moved."
    )
    expect(block).to_contain_text("01:00–03:00 CST, UTC+8")
    assert moves == []
    assert Meeting.objects.values().get(pk=meeting.pk) == before
