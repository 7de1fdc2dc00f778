"""One plan for everyone outside staff: the table plan, a buyer's agenda (page and PDF), the buyer's
own page and feed, and a delegate's outcomes page all show the latest release; a staff preview of
the working copy says so on every page."""

import io
import re
from html import unescape

import icalendar
import pytest
from django.urls import reverse
from pypdf import PdfReader

from itinerary.mission_clock import mission_clock
from matchmaking.itinerary_sync import sync_session_meetings
from matchmaking.models import Placement
from matchmaking.services import placement_move
from publishing.release import release_publish
from tests.factories import ParticipantFactory, PlacementFactory, SessionFactory, UserFactory
from tests.matchmaking.test_outputs import _agenda_url, _plan_url, b2b  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
MARK = "PREVIEW—notpublished,donothandout"  # as pypdf reads it, spaces removed


@pytest.fixture
def published(client, b2b):  # noqa: F811
    """The mission published, then one grid move not published: Nanjing's meeting from 15:00 at
    table 1 to 15:40 at table 2."""
    user = UserFactory(username="room-staff")
    b2b["session"].delegation.staff.add(user)
    release_publish(delegation=b2b["session"].delegation, notify=False)
    placement_move(b2b["robots-nanjing"], 6, 2)
    client.force_login(user)
    return client


def _pages(pdf: bytes) -> list[str]:
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _agenda_rows(html: str) -> list[tuple[str, str]]:
    """(time, table) of each row of an agenda page."""
    rows = re.findall(r"<tr id=\"[^\"]+\" data-agenda-row.*?</tr>", unescape(html), re.S)
    return [
        (
            re.search(r"\d\d:\d\d–\d\d:\d\d", row).group(),
            re.search(r'class="table-number">([^<]*)<', row).group(1),
        )
        for row in rows
    ]


def _plan_seats(html: str, buyer: str) -> list[tuple[str, str]]:
    """(slot time, table) of each of a buyer's meetings in a table plan page."""
    seats = []
    for section in re.findall(r'<section class="slot".*?</section>', html, re.S):
        when = re.search(r"\d\d:\d\d–\d\d:\d\d", section).group()
        for row in re.findall(r"<tr data-placement=.*?</tr>", section, re.S):
            if buyer in row:
                seats.append((when, re.search(r'class="table-number">([^<]*)<', row).group(1)))
    return seats


def _feed_times(body: bytes) -> list[str]:
    events = icalendar.Calendar.from_ical(body).walk("VEVENT")
    return sorted(f"{e.decoded('DTSTART'):%H:%M}" for e in events if str(e.get("STATUS")) != "CANCELLED")


def test_an_unpublished_grid_move_reaches_no_buyer_delegate_or_room(published, client, b2b):  # noqa: F811
    nanjing = b2b["nanjing"]
    released = [("15:00–15:20", "1")]

    agenda = published.get(_agenda_url(nanjing)).content.decode()
    assert _agenda_rows(agenda) == released
    plan = published.get(_plan_url(b2b["session"])).content.decode()
    assert _plan_seats(plan, "Nanjing Imports") == released
    assert "Free tables: 2, 4" in plan.split('id="slot-4"', 1)[1].split("</section>", 1)[0]
    assert 'id="slot-6"' not in plan

    agenda_pdf = "".join(_pages(published.get(_agenda_url(nanjing, pdf=True)).content))
    assert "15:00–15:20" in agenda_pdf and "15:40–16:00" not in agenda_pdf
    plan_pdf = _pages(published.get(_plan_url(b2b["session"], pdf=True)).content)
    assert [page for page in plan_pdf if "NanjingImports" in page] == [
        page for page in plan_pdf if "Slot4·15:00–15:20" in page
    ]
    assert not any("15:40–16:00" in page or MARK in page for page in plan_pdf)

    client.logout()
    buyer_page = client.get(reverse("buyer-page", args=[nanjing.feed_token])).content.decode()
    assert _agenda_rows(buyer_page) == released
    feed = client.get(reverse("buyer-calendar", args=[nanjing.feed_token])).content
    assert _feed_times(feed) == ["15:00"]
    ann = b2b["robots"].members.get(full_name="Ann Lee")
    outcomes = client.get(reverse("delegate-b2b", args=[ann.feed_token])).content.decode()
    card = outcomes.split(f'data-placement="{b2b["robots-nanjing"].pk}"', 1)[1].split("</form>", 1)[0]
    assert "15:00–15:20</strong> · table 1 ·" in card
    assert "15:40" not in outcomes
    member_feed = client.get(reverse("member-calendar", args=[ann.feed_token])).content
    assert "15:00" in _feed_times(member_feed) and "15:40" not in _feed_times(member_feed)


def test_once_published_every_output_shows_the_move(published, client, b2b):  # noqa: F811
    delegation = b2b["session"].delegation
    release = release_publish(delegation=delegation, notify=False)
    nanjing = b2b["nanjing"]
    moved = [("15:40–16:00", "2")]
    assert _agenda_rows(published.get(_agenda_url(nanjing)).content.decode()) == moved
    assert _plan_seats(published.get(_plan_url(b2b["session"])).content.decode(), "Nanjing Imports") == moved
    agenda_pdf = "".join(_pages(published.get(_agenda_url(nanjing, pdf=True)).content))
    assert "15:40–16:00" in agenda_pdf and "15:00–15:20" not in agenda_pdf
    # Each page names its update and when it was published, in the mission's clock, labelled.
    when = re.sub(r"\s+", "", mission_clock(delegation).text(release.published_at))
    assert f"Update{release.number},published{when}" in agenda_pdf
    buyer_page = client.get(reverse("buyer-page", args=[nanjing.feed_token])).content.decode()
    assert _agenda_rows(buyer_page) == moved
    ann = b2b["robots"].members.get(full_name="Ann Lee")
    outcomes = client.get(reverse("delegate-b2b", args=[ann.feed_token])).content.decode()
    assert "15:40–16:00</strong> · table 2 ·" in outcomes


def _preview_url(name, *args):
    return reverse(name, args=args)


def test_a_preview_of_the_working_copy_says_so_on_every_page(published, b2b):  # noqa: F811
    session, nanjing = b2b["session"], b2b["nanjing"]
    slug = session.delegation.slug
    plan = published.get(_preview_url("b2b-table-plan-preview", slug, session.pk))
    html = plan.content.decode()
    assert "PREVIEW — not published, do not hand out" in html and "data-preview-band" in html
    assert _plan_seats(html, "Nanjing Imports") == [("15:40–16:00", "2")]
    assert "/static/css/b2b-preview.css" in html

    response = published.get(_preview_url("b2b-table-plan-preview-pdf", slug, session.pk))
    assert "PREVIEW" in response["Content-Disposition"]
    pages = _pages(response.content)
    assert len(pages) == 3  # slots 2, 4 and 6
    assert all(MARK in page for page in pages)
    assert any("Slot6·15:40–16:00" in page and "NanjingImports" in page for page in pages)

    agenda = published.get(_preview_url("b2b-buyer-agenda-preview-pdf", slug, session.pk, nanjing.pk))
    pages = _pages(agenda.content)
    assert pages and all(MARK in page for page in pages)
    assert "15:40–16:00" in "".join(pages)

    # The published pages link to the preview; the preview is never what the buyer's links open.
    published_agenda = published.get(_agenda_url(nanjing)).content.decode()
    assert _preview_url("b2b-buyer-agenda-preview", slug, session.pk, nanjing.pk) in published_agenda
    assert "PREVIEW" not in published_agenda.replace("Preview the working copy", "")


def test_before_anything_is_published_the_room_gets_nothing_and_is_told_why(client, b2b):  # noqa: F811
    user = UserFactory(username="early-staff")
    b2b["session"].delegation.staff.add(user)
    client.force_login(user)
    html = client.get(_plan_url(b2b["session"])).content.decode()
    assert "data-nothing-published" in html and "data-placement=" not in html
    assert _agenda_rows(client.get(_agenda_url(b2b["pudong"])).content.decode()) == []


def test_a_delegate_cannot_mark_a_meeting_not_yet_published(client, b2b):  # noqa: F811
    release_publish(delegation=b2b["session"].delegation, notify=False)
    Placement.objects.filter(pk=b2b["robots-pudong"].pk).update(slot=None, table=None)
    extra = Placement.objects.create(
        session=b2b["session"], seller=b2b["solar"], buyer=b2b["nanjing"], slot=1, table=4
    )
    sync_session_meetings(b2b["session"])
    cy = b2b["solar"].members.get()
    url = reverse("delegate-b2b", args=[cy.feed_token])
    html = client.get(url).content.decode()
    assert f'data-placement="{extra.pk}"' not in html and "14:00–14:20" not in html
    response = client.post(url, {"placement": extra.pk, "outcome": "held"}, follow=True)
    assert "not one of yours" in response.content.decode()
    assert Placement.objects.get(pk=extra.pk).outcome == ""


def _member_with_meetings(count: int):
    session = SessionFactory()
    seller = ParticipantFactory(session=session, seller=True)
    for n in range(count):
        PlacementFactory(session=session, seller=seller, buyer__session=session, slot=n + 1, table=1)
    sync_session_meetings(session)
    release_publish(delegation=session.delegation, notify=False)
    return seller.members.get()


@pytest.mark.parametrize("count", [2, 9])  # a seller meets once a slot: 9 slots
def test_the_outcomes_page_reads_the_release_in_the_same_queries_at_any_size(
    client, count, django_assert_num_queries
):
    member = _member_with_meetings(count)
    with django_assert_num_queries(6):
        response = client.get(reverse("delegate-b2b", args=[member.feed_token]))
    assert response.content.decode().count('<form method="post"') == count
