"""The B2B grid in Chromium: drag a meeting to an empty table, a refused and a stale drop said in
words, and the grid following a solve that finishes in the background.

Every step waits on what the page shows (the status line, a cell's content), never on a delay.
"""

from datetime import datetime

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import expect

from matchmaking import services
from matchmaking.models import Placement, Session
from tests.browser.csp import settle, watch_for_csp_violations
from tests.browser.test_staff_schedule import PASSWORD, log_in
from tests.factories import (
    DelegationFactory,
    OrganisationFactory,
    ParticipantFactory,
    PlacementFactory,
    RequestFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)
WRAP = "document.querySelector('.b2b-grid-wrap')"


def _session(tables: int = 10):
    delegation = DelegationFactory(slug="b2b-mission")
    delegation.staff.add(UserFactory(username="planner", password=PASSWORD))
    session = SessionFactory(delegation=delegation, title="Shanghai buyers", tables=tables)
    seller = ParticipantFactory(
        session=session, seller=True, organisation=OrganisationFactory(name="Pacific Solar")
    )
    buyers = [
        ParticipantFactory(session=session, organisation=OrganisationFactory(name=name))
        for name in ("Shanghai Electric", "Pudong Trading", "Jinjiang Water")
    ]
    for buyer in buyers:
        RequestFactory(session=session, requester=seller, target=buyer)
    return session, seller, buyers


def _open(page, live_server, session):
    log_in(page, live_server, "planner")
    page.goto(f"{live_server.url}/delegations/{session.delegation.slug}/b2b/sessions/{session.pk}/")
    expect(page.get_by_role("heading", name="Shanghai buyers")).to_be_visible()


def _cell(page, slot: int, table: int):
    return page.locator(f'td.b2b-cell[data-slot="{slot}"][data-table="{table}"]')


def _meeting(page, placement):
    return page.locator(f'.b2b-meeting[data-placement="{placement.pk}"]')


def _drag(page, placement, slot: int, table: int) -> None:
    """Drag a meeting onto a cell, with the whole grid in the window first: were the cell below the
    fold, the window would scroll between pressing the button and the first move, and the drag would
    start from whatever is then under the pointer."""
    page.evaluate("window.scrollTo(0, document.getElementById('grid').getBoundingClientRect().top + scrollY)")
    _meeting(page, placement).drag_to(_cell(page, slot, table))


def test_dragging_a_meeting_to_an_empty_table_moves_and_pins_it(page, live_server, screenshot):
    session, seller, buyers = _session()
    placement = PlacementFactory(session=session, seller=seller, buyer=buyers[0], slot=1, table=1)
    violations = watch_for_csp_violations(page)
    _open(page, live_server, session)
    settle(page)
    # Ten tables fit a 1280-pixel window: no sideways scrolling.
    assert page.evaluate(f"{WRAP}.scrollWidth <= {WRAP}.clientWidth")

    _drag(page, placement, 3, 4)

    status = page.locator("#b2b-status")
    expect(status).to_contain_text(
        "Moved Pacific Solar ↔ Shanghai Electric to slot 3 (14:40–15:00), table 4. "
        "Pinned: the solver keeps it there."
    )
    expect(_cell(page, 3, 4).locator(".b2b-meeting")).to_contain_text("Shanghai Electric")
    expect(_cell(page, 3, 4).locator(".b2b-mark-pin")).to_have_count(1)
    expect(_cell(page, 1, 1).locator(".b2b-meeting")).to_have_count(0)
    placement.refresh_from_db()
    assert (placement.slot, placement.table, placement.pinned) == (3, 4, True)
    assert placement.meeting.title == "B2B: Shanghai Electric, table 4"
    screenshot(page, "b2b-grid")
    assert violations == []


def test_a_refused_drop_and_a_stale_one_are_said_in_words(page, live_server):
    session, seller, buyers = _session()
    first = PlacementFactory(session=session, seller=seller, buyer=buyers[0], slot=1, table=1)
    PlacementFactory(session=session, seller=seller, buyer=buyers[1], slot=2, table=2)
    _open(page, live_server, session)
    status = page.locator("#b2b-status")

    # Pacific Solar already meets Pudong Trading in slot 2: refused, nothing moves.
    _drag(page, first, 2, 5)
    expect(status).to_contain_text(
        "Pacific Solar already meets Pudong Trading in slot 2 (14:20–14:40) (table 2). "
        "Nobody can be at two tables at once."
    )
    expect(status).to_have_class("alert mb-2 alert-danger")
    expect(_cell(page, 1, 1).locator(".b2b-meeting")).to_have_count(1)
    first.refresh_from_db()
    assert (first.slot, first.table) == (1, 1)

    # Someone else moves it meanwhile; the page still shows it at slot 1 with the version it read.
    services.placement_move(Placement.objects.get(pk=first.pk), 4, 4)
    _drag(page, first, 6, 6)
    expect(status).to_contain_text(
        "Someone changed Pacific Solar ↔ Shanghai Electric since you loaded the grid: it is now at slot 4 "
        "(15:00–15:20), table 4. Nothing was saved"
    )
    # The grid is read again and shows it where it is now.
    expect(_cell(page, 4, 4).locator(".b2b-meeting")).to_contain_text("Shanghai Electric")
    expect(_cell(page, 1, 1).locator(".b2b-meeting")).to_have_count(0)
    expect(_cell(page, 6, 6).locator(".b2b-meeting")).to_have_count(0)
    first.refresh_from_db()
    assert (first.slot, first.table) == (4, 4)


def test_the_grid_follows_a_solve_that_finishes_in_the_background(page, live_server):
    session, seller, buyers = _session(tables=40)
    Session.objects.filter(pk=session.pk).update(
        solve_state=Session.SolveState.RUNNING, solve_message="Solving: weight 3 placed, at most 9 possible"
    )
    _open(page, live_server, session)
    expect(page.locator("#b2b-solve-state")).to_contain_text("Solving: weight 3 placed")
    # Forty tables scroll sideways inside the grid's frame, not the page.
    assert page.evaluate(f"{WRAP}.scrollWidth > {WRAP}.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The background task writes its plan and finishes.
    PlacementFactory(session=session, seller=seller, buyer=buyers[2], slot=5, table=38)
    Session.objects.filter(pk=session.pk).update(
        solve_state=Session.SolveState.DONE,
        solve_message="1 of 3 requests placed",
        placed_weight=9,
        best_bound=9,
    )
    expect(page.locator("#b2b-solve-proof")).to_contain_text("proven optimal")
    expect(_cell(page, 5, 38).locator(".b2b-meeting")).to_contain_text("Jinjiang Water")


def test_a_drop_refused_by_the_server_and_a_grid_not_read_again_say_what_the_server_answered(
    page, live_server
):
    session, seller, buyers = _session()
    placement = PlacementFactory(session=session, seller=seller, buyer=buyers[0], slot=1, table=1)
    _open(page, live_server, session)
    status = page.locator("#b2b-status")

    # Django's CSRF check answers its own HTML 403 page (a token from before a new sign-in, say).
    page.evaluate("document.getElementById('b2b-grid').dataset.csrfToken = 'a-token-from-another-session'")
    _drag(page, placement, 3, 4)
    expect(status).to_have_text(
        "Nothing was saved: the server answered 403 Forbidden "
        "(“CSRF verification failed. Request aborted.”). Reload the page and try again."
    )
    placement.refresh_from_db()
    assert (placement.slot, placement.table) == (1, 1)

    # Saved, then the page read again answers an error page: the grid says it may be out of date.
    page.reload()
    error_page = render_to_string("500.html")
    page.route(
        page.url,
        lambda route: (
            route.fulfill(status=500, content_type="text/html", body=error_page)
            if route.request.resource_type == "fetch"
            else route.continue_()
        ),
    )
    _drag(page, placement, 3, 4)
    expect(status).to_contain_text(
        "Moved Pacific Solar ↔ Shanghai Electric to slot 3 (14:40–15:00), table 4."
    )
    expect(status).to_contain_text(
        "The grid on this page could not be read again, so it may be out of date: the server answered 500"
    )
    expect(status).to_contain_text("(“Something went wrong. The error was logged for the team.")
    placement.refresh_from_db()
    assert (placement.slot, placement.table) == (3, 4)


def test_the_solve_poll_slows_down_backs_off_on_errors_and_stops(page, live_server):
    """Driven by Playwright's fake clock: each poll happens when its timer is due, not a moment before."""
    session, _, _ = _session()
    Session.objects.filter(pk=session.pk).update(
        solve_state=Session.SolveState.RUNNING, solve_message="Weight 3 placed"
    )
    polls = []
    page.on("request", lambda request: polls.append(request) if "/solve/status/" in request.url else None)
    log_in(page, live_server, "planner")
    page.clock.install(time=datetime(2016, 10, 24, 9, 0))
    page.clock.pause_at(datetime(2016, 10, 24, 9, 1))
    page.goto(f"{live_server.url}/delegations/{session.delegation.slug}/b2b/sessions/{session.pk}/")
    line = page.locator("#b2b-solve-state")
    expect(line).to_have_text("Solving: Weight 3 placed")

    def after(ms: int, count: int) -> None:
        """Nothing is asked until `ms` have passed since the last answer, then one poll is."""
        page.clock.run_for(ms - 1)
        page.evaluate("0")  # a round trip to the page: a poll it had started would be counted by now
        assert len(polls) == count - 1
        page.clock.run_for(1)

    # While the solve answers, it is asked every 1 s, then 1.5 s, then 2.25 s…
    Session.objects.filter(pk=session.pk).update(solve_message="Weight 5 placed")
    after(1000, 1)
    expect(line).to_have_text("Solving: Weight 5 placed")
    Session.objects.filter(pk=session.pk).update(solve_message="Weight 7 placed")
    after(1500, 2)
    expect(line).to_have_text("Solving: Weight 7 placed")

    # Then the status answers an error page: tried again after 2, 4, 8 and 16 s, then no more.
    error_page = render_to_string("500.html")
    page.route(
        "**/solve/status/", lambda route: route.fulfill(status=500, content_type="text/html", body=error_page)
    )
    for count, (wait, next_wait) in enumerate([(2250, 2), (2000, 4), (4000, 8), (8000, 16)], start=3):
        after(wait, count)
        expect(line).to_contain_text(f". Trying again in {next_wait} s (try {count - 1} of 5).")
    expect(line).to_contain_text("Could not check the solve: the server answered 500")
    after(16000, 7)
    expect(line).to_contain_text(
        "Stopped checking the solve: 5 tries in a row failed, the last because the server answered 500"
    )
    expect(line).to_contain_text("(“Something went wrong. The error was logged for the team.")
    expect(line).to_contain_text("Reload the page to see where it is.")
    page.clock.run_for(10 * 60 * 1000)
    page.evaluate("0")
    assert len(polls) == 7
