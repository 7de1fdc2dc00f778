"""A delegate's own page: no login, their items only, today first, and ways to subscribe."""

import re
from datetime import UTC, date, datetime

import pytest
import zxingcpp
from django.urls import reverse

from publishing.release import release_publish
from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    MemberFactory,
    StayFactory,
    TravelLegFactory,
    local,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    delegation = DelegationFactory(start_date=date(2016, 10, 24), end_date=date(2016, 10, 28))
    beijing = CityFactory()
    StayFactory(
        delegation=delegation, city=beijing, arrival_date=date(2016, 10, 24),
        departure_date=date(2016, 10, 28), hotel_name="China World Hotel",
        hotel_local_address="北京市朝阳区建国门外大街1号",
    )  # fmt: skip
    member = MemberFactory(
        delegation=delegation, full_name="Panorea Avdis", email="avdis@gobiz.ca.gov", phone="+1 916"
    )
    MeetingFactory(
        delegation=delegation, city=beijing, title="MOFCOM", starts_at=local(beijing, "2016-10-26 09:30"),
        venue="Ministry of Commerce", venue_local="商务部", address_local="北京市东城区东长安街2号",
        staff_notes="Gate code 4411",
    )  # fmt: skip
    MeetingFactory(
        delegation=delegation, city=beijing, title="Forum", starts_at=local(beijing, "2016-10-25 14:00")
    )
    someone_else = MeetingFactory(delegation=delegation, city=beijing, title="Private dinner")
    someone_else.attendees.add(MemberFactory(delegation=delegation))
    release_publish(delegation=delegation, notify=False)
    return member


def _page(client, member):
    return client.get(reverse("delegate-page", args=[member.feed_token]))


def test_delegate_page_needs_no_login_and_shows_their_items_in_local_time(client, member):
    response = _page(client, member)
    assert response.status_code == 200
    content = response.content.decode()
    assert "09:30–10:30 CST, UTC+8" in content
    assert "北京市东城区东长安街2号" in content and "商务部" in content  # for the driver
    assert "Private dinner" not in content
    for secret in ("Gate code", "avdis@gobiz.ca.gov", "+1 916"):
        assert secret not in content


def test_delegate_page_puts_today_first_and_earlier_days_after(client, member, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: datetime(2016, 10, 26, 1, 0, tzinfo=UTC))  # 09:00 in Beijing
    content = _page(client, member).content.decode()
    today = content.index("Today · Wednesday 26 October")
    assert content.index("MOFCOM") > today
    assert content.index("Earlier days") < content.index("Forum")


def test_delegate_page_offers_webcal_https_download_and_a_qr_code(client, member, settings):
    settings.SITE_URL, settings.SITE_URL_IS_SET = "https://missions.example.org", True
    content = _page(client, member).content.decode()
    feed = f"missions.example.org/feeds/member/{member.feed_token}.ics"
    assert f'href="webcal://{feed}"' in content
    assert f'value="https://{feed}"' in content
    assert f'href="https://{feed}?download=1"' in content
    assert "<svg" in content and "From URL" in content
    assert "Google Calendar every 8 to 24 hours" in content


def test_staff_member_page_shows_links_and_rotates_them(client, member):
    from tests.factories import UserFactory

    user = UserFactory()
    member.delegation.staff.add(user)
    client.force_login(user)
    url = reverse("member-detail", args=[member.delegation.slug, member.pk])
    content = client.get(url).content.decode()
    assert f"/my/{member.feed_token}/" in content and "<svg" in content
    old = member.feed_token
    rotate_url = reverse("member-rotate-token", args=[member.delegation.slug, member.pk])
    assert f'href="{rotate_url}"' in content  # the button opens the confirmation, it does not post
    confirmation = client.get(rotate_url)
    assert confirmation.status_code == 200
    warning = confirmation.content.decode().replace("&#x27;", "'")
    assert "Panorea Avdis's calendar subscriptions and page link stop working at once" in warning
    assert "you must send them the new link" in warning
    assert f'action="{rotate_url}"' in warning and 'method="post"' in warning
    member.refresh_from_db()
    assert member.feed_token == old  # looking does not rotate
    response = client.post(rotate_url)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.feed_token != old
    client.logout()
    assert client.get(reverse("delegate-page", args=[old])).status_code == 404
    assert _page(client, member).status_code == 200


@pytest.mark.parametrize("size", [10, 1000])
def test_delegate_page_takes_the_same_number_of_queries_at_any_size(
    client, member, size, django_assert_max_num_queries
):
    from tests.feeds.test_feeds import _grow

    _grow(member.delegation, size)
    with django_assert_max_num_queries(11):
        assert _page(client, member).status_code == 200
    with django_assert_max_num_queries(1):  # unchanged since: one stamp query, the page from the cache
        assert _page(client, member).status_code == 200


def test_delegate_page_shows_the_whole_trip_before_and_after_the_mission(client, member, monkeypatch):
    from django.utils import timezone

    for now in (datetime(2016, 9, 1, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC)):
        monkeypatch.setattr(timezone, "now", lambda now=now: now)
        content = _page(client, member).content.decode()
        assert "Earlier days" not in content
        assert content.index("Forum") < content.index("MOFCOM")


def test_delegate_page_shows_a_release_at_once_despite_the_cache(client, member):
    from itinerary.models import Meeting

    assert "MOFCOM" in _page(client, member).content.decode()
    meeting = Meeting.objects.get(title="MOFCOM")
    meeting.title = "MOFCOM, moved to the afternoon"
    meeting.save()
    assert "moved to the afternoon" not in _page(client, member).content.decode()  # not published yet
    release_publish(delegation=member.delegation, note="The ministry asked for the afternoon.")
    content = _page(client, member).content.decode()
    assert "MOFCOM, moved to the afternoon" in content
    assert content.index('id="add-to-calendar"') < content.index('id="what-changed"')
    what_changed = content[content.index('id="what-changed"') :].split("</section>", 1)[0]
    assert "The ministry asked for the afternoon." in what_changed
    assert "Now called “MOFCOM, moved to the afternoon” (was “MOFCOM”)." in what_changed


def test_whats_changed_never_lists_a_release_a_load_published(client, member):
    """The demo's B2B session (or an import) arriving is where delegates start: nobody is told, and
    the release after it lists only what changed since."""
    from itinerary.models import Meeting
    from itinerary.signals import mission_loaded
    from publishing.models import Notice

    MeetingFactory(delegation=member.delegation, city=CityFactory(), title="B2B table 7")
    mission_loaded.send(sender=None, delegation=member.delegation)
    loaded = member.delegation.releases.get(number=2)
    assert loaded.loaded and Notice.objects.count() == 0
    content = _page(client, member).content.decode()
    assert "B2B table 7" in content and 'id="what-changed"' not in content
    meeting = Meeting.objects.get(title="MOFCOM")
    meeting.title = "MOFCOM at the ministry"
    meeting.save()
    release_publish(delegation=member.delegation)
    what_changed = _page(client, member).content.decode().split('id="what-changed"', 1)[1]
    assert "Update 3" in what_changed and "MOFCOM at the ministry" in what_changed
    assert "B2B table 7" not in what_changed.split("</section>", 1)[0] and "Update 2" not in what_changed
    notice = Notice.objects.get(member=member)
    assert notice.release.number == 3 and [item["title"] for item in notice.changes["items"]] == [
        "MOFCOM at the ministry"
    ]


def test_whats_changed_keeps_the_latest_update_open_and_folds_the_rest(client, member):
    from itinerary.models import Meeting

    meeting = Meeting.objects.get(title="MOFCOM")
    for title in ("MOFCOM, first", "MOFCOM, second", "MOFCOM, third"):
        meeting.title = title
        meeting.save()
        release_publish(delegation=member.delegation, note=f"Now {title}.")
    forum = Meeting.objects.get(title="Forum")
    for n in range(6):  # one long update: five titles of 55 characters do not fit in the open part
        MeetingFactory(delegation=member.delegation, city=forum.city, title=f"Reception number {n} " * 3)
    release_publish(delegation=member.delegation, note="Six receptions.")
    content = _page(client, member).content.decode()
    box = content.split('id="what-changed"', 1)[1].split("</section>", 1)[0]
    latest, *earlier = box.split('<details class="mt-2"')
    assert "Six receptions." in latest and latest.count("<li>") == 6
    assert "data-more>" in latest and "more changes in this update" in latest
    assert latest.split("<details", 1)[0].count("<li>") in range(1, 6)
    # Older updates fold away, newest first, and only the three latest are listed.
    assert [re.search(r"update (\d+)", part).group(1) for part in earlier] == ["4", "3"]
    assert "<details open" not in box


def test_whats_changed_lists_only_the_members_own_changes(client, member):
    from itinerary.models import Meeting

    private = Meeting.objects.get(title="Private dinner")
    private.venue = "Da Dong"
    private.save()
    release_publish(delegation=member.delegation)
    assert 'id="what-changed"' not in _page(client, member).content.decode()


def test_page_links_follow_the_address_the_page_was_reached_at_unless_site_url_is_set(
    client, member, settings
):
    """`PORT=8765 make run`: links to port 8000 would all be dead. Feeds keep the configured base."""
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.SITE_URL, settings.SITE_URL_IS_SET = "http://127.0.0.1:8000", False
    url = reverse("delegate-page", args=[member.feed_token])
    feed_path = f"/feeds/member/{member.feed_token}.ics"
    content = client.get(url, HTTP_HOST="127.0.0.1:8765").content.decode()
    assert f'href="webcal://127.0.0.1:8765{feed_path}"' in content
    assert f'value="http://127.0.0.1:8765{feed_path}"' in content
    assert ":8000" not in content
    # The same page reached at another address (cached under the same stamp) links there instead.
    content = client.get(url, HTTP_HOST="127.0.0.1:9000").content.decode()
    assert f'value="http://127.0.0.1:9000{feed_path}"' in content and ":8765" not in content
    # The feed's own links do not depend on who asked: its bytes stay the same.
    first = client.get(feed_path, HTTP_HOST="127.0.0.1:8765").content
    assert first == client.get(feed_path, HTTP_HOST="127.0.0.1:9000").content
    assert b"http://127.0.0.1:8000/my/" in first.replace(b"\r\n ", b"")
    # SITE_URL set: every page uses it, whatever the Host header says.
    settings.SITE_URL, settings.SITE_URL_IS_SET = "https://missions.example.org", True
    content = client.get(url, HTTP_HOST="127.0.0.1:8765").content.decode()
    assert f'value="https://missions.example.org{feed_path}"' in content and "8765" not in content


def test_staff_pages_link_feeds_at_the_address_they_were_reached_at(client, member, settings):
    from tests.factories import UserFactory

    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.SITE_URL_IS_SET = False
    user = UserFactory()
    member.delegation.staff.add(user)
    client.force_login(user)
    slug = member.delegation.slug
    detail = client.get(reverse("member-detail", args=[slug, member.pk]), HTTP_HOST="127.0.0.1:8765")
    assert f"http://127.0.0.1:8765/feeds/member/{member.feed_token}.ics" in detail.content.decode()
    overview = client.get(reverse("delegation-overview", args=[slug]), HTTP_HOST="127.0.0.1:8765")
    token = member.delegation.feed_token
    assert f"http://127.0.0.1:8765/feeds/delegation/{token}.ics" in overview.content.decode()


def test_make_run_gives_feeds_the_port_it_serves_on():
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    dry_run = subprocess.run(
        ["make", "-n", "-W", "demo", "run", "PORT=8765"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    [serve] = [line for line in dry_run.splitlines() if "runserver" in line]
    assert "runserver 127.0.0.1:8765" in serve and "http://127.0.0.1:8765" in serve


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_or_rotated_link_gets_a_helpful_page_not_the_url_list(client, member, settings, debug):
    from delegations.tokens import rotate_member_tokens

    settings.DEBUG = debug
    old = member.feed_token
    rotate_member_tokens(members=type(member).objects.filter(pk=member.pk))
    for token in (old, "not-a-real-token"):
        response = client.get(reverse("delegate-page", args=[token]))
        assert response.status_code == 404
        assert response["Referrer-Policy"] == "same-origin"
        content = response.content.decode()
        assert "This link was replaced or is wrong" in content
        assert "ask the mission staff for your current link" in content
        assert "URLconf" not in content and "feeds/member/" not in content  # no URL patterns
        assert member.delegation.name not in content and "Log out" not in content


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("name", ["member-calendar", "delegation-calendar"])
def test_unknown_feed_tokens_get_a_plain_text_404(client, settings, debug, name):
    settings.DEBUG = debug
    response = client.get(reverse(name, args=["not-a-real-token"]))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/plain")
    assert response["Referrer-Policy"] == "same-origin"
    content = response.content.decode()
    assert "calendar" in content.lower() and len(content) < 300
    assert "URLconf" not in content


def scan_qr(svg: str) -> str:
    """What a phone's camera reads from the page's QR code: the SVG drawn into pixels, decoded by
    zxing-cpp.

    segno draws the dark modules of each row as strokes one module high, in module units scaled up
    by the path's transform: moves (M absolute, m relative) and horizontal runs (h). Anything else
    in the path fails here rather than being drawn wrong.
    """
    [size] = re.findall(r'viewBox="0 0 (\d+) \1"', svg)
    [scale] = re.findall(r'transform="scale\((\d+)\)"', svg)
    [path] = re.findall(r' d="([^"]+)"', svg)
    assert re.fullmatch(r"(?:[MmHh][-\d. ]+)+", path), f"a path segno did not draw this way: {path[:80]}"
    modules, pixel = int(size) // int(scale), 4
    dark, x, y = set(), 0.0, 0.0
    for command, numbers in re.findall(r"([MmHh])([^MmHh]+)", path):
        values = [float(value) for value in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            end = x + values[0] if command == "h" else values[0]
            dark.update((int(y), column) for column in range(round(x), round(end)))
            x = end
    width = modules * pixel
    image = bytearray(b"\xff" * width * width)
    for row, column in dark:
        for line in range(row * pixel, (row + 1) * pixel):
            image[line * width + column * pixel : line * width + (column + 1) * pixel] = b"\x00" * pixel
    [code] = zxingcpp.read_barcodes(memoryview(bytes(image)).cast("B", (width, width)))
    return code.text


def _qr_svg(content: str) -> str:
    [svg] = re.findall(r'<div class="text-center qr">(<svg.*?</svg>)</div>', content, flags=re.DOTALL)
    return svg


@pytest.mark.parametrize(
    ("site_url", "host", "expected"),
    [
        ("https://missions.example.org", "127.0.0.1:8765", "https://missions.example.org"),
        ("", "127.0.0.1:8765", "http://127.0.0.1:8765"),  # no SITE_URL: where the page was reached
    ],
)
def test_delegate_page_qr_code_opens_the_page_itself_not_the_feed(
    client, member, settings, site_url, host, expected
):
    """A camera opens an https .ics address as a one-off import; the page has the subscribe buttons."""
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.SITE_URL, settings.SITE_URL_IS_SET = site_url or "http://127.0.0.1:8000", bool(site_url)
    url = reverse("delegate-page", args=[member.feed_token])
    content = client.get(url, HTTP_HOST=host).content.decode()
    assert scan_qr(_qr_svg(content)) == f"{expected}/my/{member.feed_token}/"
    assert "Scan to open this page on your phone, then tap Subscribe." in content
    assert "Scan to subscribe" not in content


@pytest.fixture
def korea_member():
    """OZ 201 leaves San Francisco on the 22nd and lands in Seoul at 06:10 on the 24th; the KTX to
    Busan at 08:00; the new hotel in Busan; a meeting there at 14:00."""
    delegation = DelegationFactory(start_date=date(2016, 10, 22), end_date=date(2016, 10, 27))
    sfo = CityFactory(name="San Francisco", country="United States", timezone="America/Los_Angeles")
    seoul = CityFactory(name="Seoul", local_name="서울", country="South Korea", timezone="Asia/Seoul")
    busan = CityFactory(name="Busan", local_name="부산", country="South Korea", timezone="Asia/Seoul")
    TravelLegFactory(
        delegation=delegation, origin=sfo, destination=seoul, carrier="Asiana Airlines", number="OZ 201",
        departs_at=local(sfo, "2016-10-22 23:55"), arrives_at=local(seoul, "2016-10-24 06:10"),
    )  # fmt: skip
    TravelLegFactory(
        delegation=delegation, origin=seoul, destination=busan, mode="train", carrier="Korail",
        number="KTX 101", departs_at=local(seoul, "2016-10-24 08:00"),
        arrives_at=local(busan, "2016-10-24 10:40"),
    )  # fmt: skip
    StayFactory(
        delegation=delegation, city=busan, arrival_date=date(2016, 10, 24),
        departure_date=date(2016, 10, 27), hotel_name="Paradise Hotel Busan",
    )  # fmt: skip
    MeetingFactory(
        delegation=delegation, city=busan, title="BEXCO", starts_at=local(busan, "2016-10-24 14:00")
    )
    member = MemberFactory(delegation=delegation)
    release_publish(delegation=delegation, notify=False)
    return member


def _day(content: str, heading: str) -> str:
    start = content.index(heading)
    end = content.find("<h2", start + 1)
    return content[start : end if end != -1 else None]


def test_delegate_page_shows_a_flight_on_the_morning_it_lands(client, korea_member):
    content = _page(client, korea_member).content.decode()
    arrival_day = _day(content, "Monday 24 October")
    assert "Arrives 06:10 KST, UTC+9</span> — " in arrival_day
    assert "flight OZ 201 from San Francisco" in arrival_day
    assert "Left Sat 22 Oct 23:55 PDT, UTC−7" in arrival_day
    departure_day = _day(content, "Saturday 22 October")
    assert "23:55 PDT, UTC−7 → 06:10 KST, UTC+9 (+2 days)" in departure_day
    assert content.count("OZ 201: San Francisco → Seoul") == 1  # one card, one arrival line


def test_delegate_page_orders_each_day_by_time_with_the_hotel_at_check_in(client, korea_member):
    arrival_day = _day(_page(client, korea_member).content.decode(), "Monday 24 October")
    order = [arrival_day.index(text) for text in ("OZ 201", "KTX 101", "Paradise Hotel Busan", "BEXCO")]
    assert order == sorted(order)
