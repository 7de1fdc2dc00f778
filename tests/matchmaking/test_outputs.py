"""What a session prints and publishes: the table plan, buyers' agendas, a buyer's own page and feed."""

import io
import re
from datetime import datetime
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from pypdf import PdfReader

from itinerary.models import Meeting
from matchmaking.itinerary_sync import sync_session_meetings
from matchmaking.models import Placement
from matchmaking.output_views import buyer_links
from publishing.release import release_publish
from tests.factories import (
    MemberFactory,
    OrganisationFactory,
    ParticipantFactory,
    PlacementFactory,
    RequestFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _seller(session, name, local_name="", people=("Ann Lee",)):
    organisation = OrganisationFactory(name=name, local_name=local_name, country="United States")
    members = [
        MemberFactory(
            delegation=session.delegation, organisation=organisation, full_name=person, notes="Staff: VIP"
        )
        for person in people
    ]
    return ParticipantFactory(session=session, seller=True, organisation=organisation, members=members)


def _buyer(session, name, local_name, contact="Li Wei", contact_local="李伟", language="zh"):
    return ParticipantFactory(
        session=session,
        organisation=OrganisationFactory(name=name, local_name=local_name),
        contact_name=contact,
        contact_local_name=contact_local,
        contact_email="secret-buyer@example.cn",
        language=language,
    )


@pytest.fixture
def b2b():
    """Two sellers and two buyers; Pudong meets both sellers, Nanjing one."""
    session = SessionFactory(
        title="Shanghai B2B",
        venue="Shanghai Exhibition Center",
        venue_local="上海展览中心",
        address="1000 Yan'an Middle Road",
        address_local="上海市静安区延安中路1000号",
    )
    robots = _seller(session, "Golden State Robotics", "金州机器人", people=("Ann Lee", "Bo Chen"))
    solar = _seller(session, "Bay Solar", people=("Cy Park",))
    pudong = _buyer(session, "Pudong Trading", "浦东贸易")
    nanjing = _buyer(session, "Nanjing Imports", "南京进口", contact="Wang Fang", contact_local="王芳")
    placements = {
        "robots-pudong": PlacementFactory(session=session, seller=robots, buyer=pudong, slot=2, table=7),
        "solar-pudong": PlacementFactory(session=session, seller=solar, buyer=pudong, slot=4, table=3),
        "robots-nanjing": PlacementFactory(session=session, seller=robots, buyer=nanjing, slot=4, table=1),
    }
    RequestFactory(session=session, requester=pudong, target=robots, priority="could", note="Staff: low")
    sync_session_meetings(session)
    Meeting.objects.update(staff_notes="Staff only: gift for the buyer")
    return {
        "session": session,
        "robots": robots,
        "solar": solar,
        "pudong": pudong,
        "nanjing": nanjing,
        **placements,
    }


@pytest.fixture
def staff(client, b2b):
    """Staff of the mission, which is published: what they print is the latest release."""
    user = UserFactory(username="b2b-staff")
    b2b["session"].delegation.staff.add(user)
    release_publish(delegation=b2b["session"].delegation, notify=False)
    client.force_login(user)
    return client


def _plan_url(session, pdf=False):
    return reverse(
        "b2b-table-plan-pdf" if pdf else "b2b-table-plan", args=[session.delegation.slug, session.pk]
    )


def _agenda_url(buyer, pdf=False):
    session = buyer.session
    name = "b2b-buyer-agenda-pdf" if pdf else "b2b-buyer-agenda"
    return reverse(name, args=[session.delegation.slug, session.pk, buyer.pk])


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _section(html: str, slot: int) -> str:
    return html.split(f'id="slot-{slot}"', 1)[1].split("</section>", 1)[0]


# --- the table plan -------------------------------------------------------------------------------


def test_table_plan_lists_every_placement_under_its_slot_with_people_and_contacts(staff, b2b):
    html = staff.get(_plan_url(b2b["session"])).content.decode()
    slot2, slot4 = _section(html, 2), _section(html, 4)
    assert "Slot 2 · 14:20–14:40" in slot2 and "CST, UTC+8" in slot2
    assert "Golden State Robotics" in slot2 and "金州机器人" in slot2
    assert "Ann Lee" in slot2 and "Bo Chen" in slot2
    assert "Pudong Trading" in slot2 and "浦东贸易" in slot2 and "李伟" in slot2
    assert "Bay Solar" not in slot2
    assert html.count("data-placement=") == 3
    assert re.findall(r'class="table-number">(\d+)<', slot4) == ["1", "3"]
    assert "Free tables: 2, 4, 5" in slot4
    assert 'id="slot-1"' not in html and "No meetings in slots 1, 3, 5" in html


def test_table_plan_shows_who_the_itinerary_sends_not_everyone(staff, b2b):
    meeting = Meeting.objects.get(b2b_placement=b2b["robots-pudong"])
    meeting.attendees.set([b2b["robots"].members.get(full_name="Bo Chen")])
    release_publish(delegation=b2b["session"].delegation, notify=False)
    slot2 = _section(staff.get(_plan_url(b2b["session"])).content.decode(), 2)
    assert "Bo Chen" in slot2 and "Ann Lee" not in slot2


def test_print_pages_keep_to_the_strict_csp_and_break_pages_between_slots(staff, b2b):
    for url in (_plan_url(b2b["session"]), _agenda_url(b2b["pudong"])):
        html = staff.get(url).content.decode()
        assert "<style" not in html and "style=" not in html and "<script" not in html
        assert "/static/css/b2b-print.css" in html
    css = Path(finders.find("css/b2b-print.css")).read_text(encoding="utf-8")
    assert ".slot + .slot { break-before: page; }" in css


def test_table_plan_pdf_prints_every_meeting_with_a_cjk_font(staff, b2b):
    response = staff.get(_plan_url(b2b["session"], pdf=True))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    for name in ("GoldenStateRobotics", "金州机器人", "浦东贸易", "南京进口", "王芳", "Slot2", "Slot4"):
        assert name in text
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 2  # a page per slot with meetings


def _grow(session, count):
    for n in range(count):
        seller = _seller(session, f"Seller {n}", people=(f"Person {n}a", f"Person {n}b"))
        buyer = _buyer(session, f"Buyer {n}", f"买家{n}")
        PlacementFactory(session=session, seller=seller, buyer=buyer, slot=n % 9 + 1, table=n // 9 + 1)
    sync_session_meetings(session)


@pytest.mark.parametrize("size", [3, 30])
def test_table_plan_takes_the_same_queries_at_any_size(client, size, django_assert_max_num_queries):
    session = SessionFactory()
    _grow(session, size)
    user = UserFactory(username="planner")
    session.delegation.staff.add(user)
    release_publish(delegation=session.delegation, notify=False)
    client.force_login(user)
    with django_assert_max_num_queries(12):
        assert client.get(_plan_url(session)).status_code == 200


# --- the printable agenda -------------------------------------------------------------------------


def test_agenda_lists_the_buyers_meetings_in_time_order_with_labels_in_both_languages(staff, b2b):
    html = unescape(staff.get(_agenda_url(b2b["pudong"])).content.decode())
    for label in ("Time", "时间", "Table", "桌号", "Company", "公司", "Representatives", "代表"):
        assert label in html
    assert "Wednesday 26 October 2016" in html and "2016年10月26日（星期三）" in html
    assert (
        "上海展览中心" in html and "上海市静安区延安中路1000号" in html and "1000 Yan'an Middle Road" in html
    )
    rows = re.findall(r"<tr id=\"[^\"]+\" data-agenda-row.*?</tr>", html, re.S)
    assert [re.search(r"\d\d:\d\d–\d\d:\d\d", row).group() for row in rows] == ["14:20–14:40", "15:00–15:20"]
    assert "Golden State Robotics" in rows[0] and ">7<" in rows[0] and "Bo Chen" in rows[0]
    assert "Bay Solar" in rows[1] and ">3<" in rows[1]
    assert "Nanjing" not in html and "南京" not in html


def test_agenda_names_the_city_once_after_an_address_that_ends_with_it(staff, b2b):
    session = b2b["session"]
    session.address = "1000 Middle Yan'an Road, Jing'an District, Shanghai"
    session.save()
    sync_session_meetings(session)
    release_publish(delegation=session.delegation, notify=False)
    html = unescape(staff.get(_agenda_url(b2b["pudong"])).content.decode())
    assert "1000 Middle Yan'an Road, Jing'an District, Shanghai<" in html
    assert "Shanghai, Shanghai" not in html


def test_an_english_buyers_agenda_is_in_english_only(staff, b2b):
    hk = _buyer(b2b["session"], "Harbour Sourcing", "", contact="Jo Smith", contact_local="", language="en")
    PlacementFactory(session=b2b["session"], seller=b2b["solar"], buyer=hk, slot=5, table=2)
    sync_session_meetings(b2b["session"])
    release_publish(delegation=b2b["session"].delegation, notify=False)
    html = staff.get(_agenda_url(hk)).content.decode()
    assert "Time" in html and "Bay Solar" in html
    assert not re.search(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", html.split("</header>", 1)[1])


def test_agendas_never_show_staff_notes_emails_or_what_was_asked(staff, client, b2b):
    release_publish(delegation=b2b["session"].delegation)
    pudong = b2b["pudong"]
    pages = [
        staff.get(_agenda_url(pudong)).content.decode(),
        client.get(reverse("buyer-page", args=[pudong.feed_token])).content.decode(),
        client.get(reverse("buyer-calendar", args=[pudong.feed_token])).content.decode(),
    ]
    for page in pages:
        for secret in ("Staff", "gift", "VIP", "secret-buyer@", "could meet", "Requested by"):
            assert secret not in page


def test_agenda_pdf_renders_the_buyers_chinese_name(staff, b2b):
    response = staff.get(_agenda_url(b2b["pudong"], pdf=True))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "浦东贸易" in text and "桌号" in text and "上海市静安区延安中路1000号" in text


def test_another_sessions_or_a_sellers_agenda_is_not_found(staff, b2b):
    other = SessionFactory(delegation=b2b["session"].delegation, city=b2b["session"].city)
    stranger = _buyer(other, "Elsewhere Buyers", "别处")
    session = b2b["session"]
    url = reverse("b2b-buyer-agenda", args=[session.delegation.slug, session.pk, stranger.pk])
    assert staff.get(url).status_code == 404
    url = reverse("b2b-buyer-agenda", args=[session.delegation.slug, session.pk, b2b["robots"].pk])
    assert staff.get(url).status_code == 404


# --- the buyer's own page and feed ------------------------------------------------------------------


def test_buyer_page_needs_no_login_and_shows_only_that_buyers_released_meetings(client, b2b):
    release_publish(delegation=b2b["session"].delegation)
    response = client.get(reverse("buyer-page", args=[b2b["nanjing"].feed_token]))
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"
    html = response.content.decode()
    assert "Nanjing Imports" in html and "Golden State Robotics" in html and "15:00–15:20" in html
    assert "Pudong" not in html and "Bay Solar" not in html
    assert html.count("data-agenda-row") == 1
    assert "时间" in html and "桌号" in html
    assert buyer_links(b2b["nanjing"]).webcal.startswith("webcal://")
    assert reverse("buyer-calendar", args=[b2b["nanjing"].feed_token]) in html


def test_buyer_page_shows_the_latest_release_not_the_working_copy(client, b2b):
    url = reverse("buyer-page", args=[b2b["nanjing"].feed_token])
    assert client.get(url).content.decode().count("data-agenda-row") == 0  # nothing published yet
    release_publish(delegation=b2b["session"].delegation)
    Placement.objects.filter(pk=b2b["robots-nanjing"].pk).update(slot=6)
    sync_session_meetings(b2b["session"])
    assert "15:00–15:20" in client.get(url).content.decode()
    release_publish(delegation=b2b["session"].delegation)
    html = client.get(url).content.decode()
    assert "15:40–16:00" in html and "15:00–15:20" not in html


def test_unknown_tokens_get_the_link_not_found_page(client, b2b):
    page = client.get(reverse("buyer-page", args=["not-a-real-token"]))
    assert page.status_code == 404
    assert "This link does not work" in page.content.decode()
    feed = client.get(reverse("buyer-calendar", args=["not-a-real-token"]))  # the feeds' short 404
    assert (feed.status_code, feed["Content-Type"]) == (404, "text/plain; charset=utf-8")
    assert feed.content.decode().startswith("No such calendar: this link was replaced or is wrong.")
    seller = client.get(reverse("buyer-page", args=[b2b["robots"].feed_token]))
    assert seller.status_code == 404  # sellers use their members' own links


def _events(body: bytes) -> tuple[dict, dict]:
    by_icalendar = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}
    by_vobject = {e.uid.value: e for e in vobject.readOne(body.decode()).vevent_list}
    assert set(by_icalendar) == set(by_vobject)
    return by_icalendar, by_vobject


def test_buyer_feed_has_the_members_uids_and_sends_cancellations(client, b2b):
    delegation = b2b["session"].delegation
    release_publish(delegation=delegation)
    feed_url = reverse("buyer-calendar", args=[b2b["pudong"].feed_token])
    response = client.get(feed_url)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events, same = _events(response.content)
    ann = b2b["robots"].members.get(full_name="Ann Lee")
    member_events, _ = _events(client.get(reverse("member-calendar", args=[ann.feed_token])).content)
    robots_uid = Meeting.objects.get(b2b_placement=b2b["robots-pudong"]).ical_uid
    assert set(events) == {robots_uid, Meeting.objects.get(b2b_placement=b2b["solar-pudong"]).ical_uid}
    assert robots_uid in member_events
    event = events[robots_uid]
    assert str(event["SUMMARY"]) == "B2B: Golden State Robotics (金州机器人), table 7"
    assert event.decoded("DTSTART") == datetime(2016, 10, 26, 14, 20, tzinfo=SHANGHAI)
    assert same[robots_uid].dtstart.value.astimezone(SHANGHAI).strftime("%H:%M") == "14:20"
    assert "Attending: Ann Lee, Bo Chen" in str(event["DESCRIPTION"])
    sequence = int(event["SEQUENCE"])

    Placement.objects.filter(pk=b2b["robots-pudong"].pk).update(slot=None, table=None)
    sync_session_meetings(b2b["session"])
    release_publish(delegation=delegation)
    events, same = _events(client.get(feed_url).content)
    assert str(events[robots_uid]["STATUS"]) == "CANCELLED" and same[robots_uid].status.value == "CANCELLED"
    assert int(events[robots_uid]["SEQUENCE"]) > sequence

    b2b["solar-pudong"].delete()  # the row goes: its meeting is cancelled, still the buyer's
    release_publish(delegation=delegation)
    events, _ = _events(client.get(feed_url).content)
    assert {str(e["STATUS"]) for e in events.values()} == {"CANCELLED"} and len(events) == 2


def test_buyer_feed_answers_304_to_the_etag_it_gave(client, b2b):
    release_publish(delegation=b2b["session"].delegation)
    url = reverse("buyer-calendar", args=[b2b["pudong"].feed_token])
    first = client.get(url)
    assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 304
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("size", [3, 30])
def test_buyer_page_and_feed_take_the_same_queries_at_any_size(client, size, django_assert_max_num_queries):
    session = SessionFactory()
    _grow(session, size)
    buyer = session.participants.filter(side="buyer").first()
    for n in range(size):  # the buyer meets every seller
        seller = session.participants.get(organisation__name=f"Seller {n}")
        Placement.objects.get_or_create(session=session, seller=seller, buyer=buyer, defaults={"slot": None})
    release_publish(delegation=session.delegation)
    for name in ("buyer-page", "buyer-calendar"):
        with django_assert_max_num_queries(8):
            assert client.get(reverse(name, args=[buyer.feed_token])).status_code == 200


def test_the_session_pages_can_link_each_buyers_outputs(b2b):
    session, pudong = b2b["session"], b2b["pudong"]
    html = render_to_string(
        "matchmaking/buyer_links.html",
        {"buyer": pudong, "session": session, "delegation": session.delegation},
    )
    links = buyer_links(pudong)
    for href in (
        links.agenda,
        links.agenda_pdf,
        links.page,
        reverse("buyer-calendar", args=[pudong.feed_token]),
    ):
        assert f'href="{href}"' in html
    assert reverse("b2b-table-plan", args=[session.delegation.slug, session.pk]).endswith("/table-plan/")
