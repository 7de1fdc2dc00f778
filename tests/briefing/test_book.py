"""The briefing book: read back from the PDF by pypdf, a reader we did not write."""

import io
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from itinerary.demo_missions import load_demo_missions
from itinerary.mission_clock import mission_clock
from itinerary.schedule import load_mission
from publishing.release import release_publish
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

pytestmark = pytest.mark.django_db

A4_WIDTH, LETTER_WIDTH = 595, 612  # points


def _text(pdf: bytes) -> str:
    """The PDF's text with every space and line break taken out: a wrapped address reads whole."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _fonts(pdf: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }


@pytest.fixture
def mission():
    delegation = DelegationFactory(slug="ca-china-2016")
    beijing = CityFactory()
    organisation = OrganisationFactory(name="GO-Biz", local_name="加州商业及经济发展办公室")
    avdis = MemberFactory(
        delegation=delegation, full_name="Panorea Avdis", email="avdis@gobiz.ca.gov", phone="+1 916 555 0199",
        notes="Prefers aisle seats", organisation=organisation, title="Director",
    )  # fmt: skip
    other = MemberFactory(
        delegation=delegation, full_name="Dan Other", email="other@example.org", phone="+1 415 555 0123"
    )
    StayFactory(
        delegation=delegation, city=beijing, arrival_date=delegation.start_date,
        hotel_name="China World Hotel", hotel_local_address="北京市朝阳区建国门外大街1号",
    )  # fmt: skip
    meeting = MeetingFactory(
        delegation=delegation, city=beijing, title="MOFCOM", starts_at=local(beijing, "2016-10-22 09:30"),
        venue="MOFCOM", address_local="北京市东城区东长安街2号", staff_notes="Secret: bring the gifts",
        description="Dark suits.",
    )  # fmt: skip
    meeting.attendees.add(avdis)
    meeting.counterparts.add(OrganisationFactory(name="Ministry of Commerce", local_name="商务部"))
    private = MeetingFactory(
        delegation=delegation,
        city=beijing,
        title="Dan's dinner",
        starts_at=local(beijing, "2016-10-22 19:00"),
    )
    private.attendees.add(other)
    TravelLegFactory(delegation=delegation, booking_reference="XK9Q2P")
    return delegation, avdis, other


def _staff_client(client, delegation):
    user = UserFactory(username="briefer")
    delegation.staff.add(user)
    client.force_login(user)
    return client


def test_delegate_book_prints_the_demo_chinese_addresses_with_an_embedded_cjk_font(client):
    delegation = load_demo_missions()[0]  # published: release 1
    mission = load_mission(delegation)
    member = max(mission.members, key=lambda m: len(mission.entries_for(m)))
    response = client.get(reverse("delegate-briefing", args=[member.feed_token]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    addresses = {
        entry.item.address_local
        for entry in mission.entries_for(member)
        if not entry.is_leg and entry.item.address_local
    } | {stay.hotel_local_address for stay in mission.stays if stay.hotel_local_address}
    assert len(addresses) >= 5
    for address in addresses:
        assert re.sub(r"\s+", "", address) in text
    assert any("NotoSansCJK" in font.replace("-", "") for font in _fonts(response.content))


def test_delegate_book_never_carries_staff_notes_booking_references_or_others_phones(client, mission):
    delegation, avdis, _ = mission
    release_publish(delegation=delegation, notify=False)
    pdf = client.get(reverse("delegate-briefing", args=[avdis.feed_token])).content
    page = client.get(reverse("delegate-briefing-print", args=[avdis.feed_token])).content.decode()
    for body in (_text(pdf), re.sub(r"\s+", "", page)):
        assert "PanoreaAvdis" in body and "Darksuits." in body and "商务部" in body  # names and public notes
        for secret in ("avdis@gobiz.ca.gov", "other@example.org", "9165550199", "4155550123", "aisle",
                       "bringthegifts", "XK9Q2P", "Dan'sdinner"):  # fmt: skip
            assert secret not in body


def test_delegate_book_shows_the_latest_release_not_the_working_copy(client, mission):
    delegation, avdis, _ = mission
    release_publish(delegation=delegation, notify=False)
    url = reverse("delegate-briefing", args=[avdis.feed_token])
    assert "Release1of" in _text(client.get(url).content)
    MeetingFactory(delegation=delegation, city=CityFactory(), title="Unpublished lunch")
    assert "Unpublishedlunch" not in _text(client.get(url).content)
    release_publish(delegation=delegation, notify=False)
    text = _text(client.get(url).content)
    assert "Unpublishedlunch" in text and "Release2of" in text


def test_delegate_book_second_download_costs_one_lookup(client, mission, django_assert_num_queries):
    delegation, avdis, _ = mission
    release_publish(delegation=delegation, notify=False)
    url = reverse("delegate-briefing", args=[avdis.feed_token])
    first = client.get(url)
    with django_assert_num_queries(1):
        second = client.get(url)
    assert second.content == first.content


def test_book_footer_numbers_the_pages(client, mission):
    delegation, avdis, _ = mission
    release = release_publish(delegation=delegation, notify=False)
    pdf = client.get(reverse("delegate-briefing", args=[avdis.feed_token])).content
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    text = _text(pdf)
    assert pages >= 4  # cover, summary, a day, organisations, members
    assert f"Page1of{pages}" in text and f"Page{pages}of{pages}" in text
    assert text.count("Release1of") >= pages  # every page's footer
    # When it was published, in the mission's clock and labelled, as the release pages say it.
    published = re.sub(r"\s+", "", mission_clock(delegation).text(release.published_at))
    assert text.count(f"Release1of{published}") >= pages
    assert not re.search(r"\d\d:\d\dUTC(?![+−])", text)


def test_book_prints_on_a4_or_us_letter(client, mission):
    delegation, avdis, _ = mission
    release_publish(delegation=delegation, notify=False)
    url = reverse("delegate-briefing", args=[avdis.feed_token])
    for query, width in (("", A4_WIDTH), ("?paper=letter", LETTER_WIDTH)):
        page = PdfReader(io.BytesIO(client.get(url + query).content)).pages[0]
        assert round(float(page.mediabox.width)) == width


def test_delegate_book_with_an_unknown_token_is_404(client, mission):
    response = client.get(reverse("delegate-briefing", args=["not-a-token"]))
    assert response.status_code == 404 and response["Referrer-Policy"] == "same-origin"


def test_staff_book_has_booking_references_phones_and_everyone_s_items(client, mission):
    delegation, _, _ = mission
    text = _text(_staff_client(client, delegation).get(reverse("briefing", args=[delegation.slug])).content)
    for wanted in ("XK9Q2P", "+19165550199", "+14155550123", "Dan'sdinner", "MOFCOM", "Workingcopy"):
        assert wanted in text


def test_staff_book_for_one_member_has_only_their_items(client, mission):
    delegation, avdis, _ = mission
    url = reverse("briefing", args=[delegation.slug]) + f"?member={avdis.pk}"
    text = _text(_staff_client(client, delegation).get(url).content)
    assert "MOFCOM" in text and "Dan'sdinner" not in text
    assert client.get(reverse("briefing", args=[delegation.slug]) + "?member=999999").status_code == 404


def test_staff_book_follows_every_edit(client, mission):
    delegation, avdis, _ = mission
    url = reverse("briefing", args=[delegation.slug])
    _staff_client(client, delegation).get(url)
    avdis.phone = "+1 916 555 0100"
    avdis.save()
    assert "+19165550100" in _text(client.get(url).content)


def test_staff_book_costs_the_same_queries_for_two_or_twenty_meetings(
    client, mission, django_assert_max_num_queries
):
    delegation, _, _ = mission
    client = _staff_client(client, delegation)
    url = reverse("briefing-print", args=[delegation.slug])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    small = queries()
    for n in range(18):
        MeetingFactory(delegation=delegation, city=CityFactory(), title=f"Extra {n}")
    assert queries() == small
    with django_assert_max_num_queries(small):
        client.get(url)
    # Session, user, delegation, release, the stamp's two: the cache answers.
    with django_assert_max_num_queries(6):
        client.get(url)


def test_delegate_page_and_overview_link_to_the_books(client, mission):
    delegation, avdis, _ = mission
    release_publish(delegation=delegation, notify=False)
    page = client.get(reverse("delegate-page", args=[avdis.feed_token])).content.decode()
    assert f'href="{reverse("delegate-briefing", args=[avdis.feed_token])}"' in page
    overview = _staff_client(client, delegation).get(reverse("delegation-overview", args=[delegation.slug]))
    html = overview.content.decode()
    assert f'href="{reverse("briefing", args=[delegation.slug])}"' in html
    assert f'href="{reverse("briefing", args=[delegation.slug])}?member={avdis.pk}"' in html


def test_each_members_book_has_its_own_file_name(client, mission):
    delegation, avdis, other = mission
    release_publish(delegation=delegation, notify=False)
    for member, name in ((avdis, "panorea-avdis"), (other, "dan-other")):
        response = client.get(reverse("delegate-briefing", args=[member.feed_token]))
        assert response["Content-Disposition"] == f'inline; filename="briefing-ca-china-2016-{name}.pdf"'
    client = _staff_client(client, delegation)
    url = reverse("briefing", args=[delegation.slug])
    assert client.get(url)["Content-Disposition"] == 'inline; filename="briefing-ca-china-2016.pdf"'
    response = client.get(url, {"member": avdis.pk})
    assert response["Content-Disposition"] == 'inline; filename="briefing-ca-china-2016-panorea-avdis.pdf"'
    chinese = MemberFactory(delegation=delegation, full_name="王小明")
    response = client.get(url, {"member": chinese.pk})
    assert (
        response["Content-Disposition"]
        == f'inline; filename="briefing-ca-china-2016-member-{chinese.pk}.pdf"'
    )
    assert client.get(url, {"member": 999_999}).status_code == 404


def test_days_with_nothing_planned_share_a_page(client):
    """A week with one meeting: the empty days follow the day before instead of a page each."""
    delegation = DelegationFactory(
        slug="quiet-week", start_date=date(2016, 10, 21), end_date=date(2016, 10, 27)
    )
    beijing = CityFactory()
    StayFactory(
        delegation=delegation,
        city=beijing,
        arrival_date=date(2016, 10, 21),
        departure_date=date(2016, 10, 27),
    )
    MeetingFactory(
        delegation=delegation, city=beijing, title="MOFCOM", starts_at=local(beijing, "2016-10-24 09:30")
    )
    pdf = _staff_client(client, delegation).get(reverse("briefing", args=[delegation.slug])).content
    pages = [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]

    def page_of(heading: str) -> int:
        return next(n for n, text in enumerate(pages) if heading in text)

    # Cover, summary, the days (those with something planned each start a page, the empty ones
    # follow on theirs), organisations, members: 6 pages rather than one per day, 11.
    assert len(pages) == 6
    assert page_of("Friday21October2016") == page_of("Sunday23October2016") == 2
    assert page_of("Monday24October2016") == 3  # the meeting
    assert page_of("Tuesday25October2016") == page_of("Thursday27October2016") == 3


def test_a_server_process_imports_weasyprint_and_its_fonts_before_its_first_book():
    """The first book of a fresh process once paid for the import and the fonts (seconds)."""
    import subprocess
    import sys
    from pathlib import Path

    probe = (
        "import sys, threading, missionplanner.wsgi\n"
        "[t.join(60) for t in threading.enumerate() if t.name == 'weasyprint-warm-up']\n"
        "print('weasyprint' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parent.parent.parent
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "True"
