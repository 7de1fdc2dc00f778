from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from delegations.models import Delegation, Member, Organisation
from itinerary.models import City, Meeting, Stay, TravelLeg

pytestmark = pytest.mark.django_db

MODELS = [Organisation, Delegation, Member, City, Stay, Meeting, TravelLeg]


def _snapshot():
    counts = {model.__name__: model.objects.count() for model in MODELS}
    items = sorted(
        (str(item.uid), item.sequence, item.starts_at.isoformat()) for item in Meeting.objects.all()
    )
    return counts, items


def test_loading_the_demo_twice_gives_the_same_data(capsys):
    call_command("load_demo_missions")
    first = _snapshot()
    call_command("load_demo_missions")
    assert _snapshot() == first
    counts, items = first
    assert counts["Delegation"] == 2
    assert counts["Meeting"] >= 15 and counts["TravelLeg"] >= 10
    assert all(sequence == 0 for _, sequence, _ in items)
    assert "2016 California–China Trade Mission" in capsys.readouterr().out


def test_demo_data_passes_every_model_validation():
    call_command("load_demo_missions")
    for model in MODELS:
        for obj in model.objects.all():
            obj.full_clean()


def test_demo_2016_mission_has_the_named_people_and_counterparts():
    call_command("load_demo_missions")
    mission = Delegation.objects.get(slug="california-china-trade-mission-2016")
    heads = set(mission.members.filter(role=Member.Role.HEAD).values_list("full_name", flat=True))
    assert heads == {"Panorea Avdis", "Robert B. Weisenmiller"}
    assert mission.members.filter(full_name__startswith="Clean energy executive").count() == 12
    assert mission.end_date == date(2016, 11, 5)
    mofcom = mission.meetings.get(title__startswith="MOFCOM and CCCME")
    counterparts = set(mofcom.counterparts.values_list("local_name", flat=True))
    assert {
        "中华人民共和国商务部",
        "中国机电产品进出口商会",
        "河北省人民政府",
        "山东省人民政府",
    } <= counterparts
    assert len(counterparts) == 6
    assert mofcom.local_start.strftime("%d %b %H:%M %Z") == "26 Oct 09:30 CST"
    assert mofcom.address_local == "北京市东城区东长安街2号"
    cities_with_b2b = set(mission.meetings.filter(kind=Meeting.Kind.B2B).values_list("city__name", flat=True))
    assert cities_with_b2b == {"Shanghai", "Guangzhou", "Nanjing", "Zhenjiang", "Shenzhen"}
    assert mission.meetings.filter(kind=Meeting.Kind.TRADE_SHOW).exists()
    assert mission.meetings.filter(title__icontains="LeEco").exists()


def test_demo_2016_mission_departs_from_san_francisco_and_returns():
    call_command("load_demo_missions")
    mission = Delegation.objects.get(slug="california-china-trade-mission-2016")
    legs = list(mission.travellegs.select_related("origin", "destination").order_by("departs_at"))
    outbound = next(leg for leg in legs if leg.origin.name == "San Francisco")
    assert outbound.destination.name == "Beijing"
    assert outbound.local_departure.strftime("%Y-%m-%d %H:%M %Z") == "2016-10-23 12:50 PDT"
    assert legs[-1].destination.name == "San Francisco"
    briefing = mission.meetings.get(kind=Meeting.Kind.BRIEFING)
    assert briefing.city.name == "Sacramento"
    assert briefing.local_start.strftime("%H:%M %Z") == "10:00 PDT"


def test_demo_2021_mission_has_the_ciie_opening_ceremony_on_7_november():
    call_command("load_demo_missions")
    mission = Delegation.objects.get(slug="california-pavilion-ciie-2021")
    ceremony = mission.meetings.get(kind=Meeting.Kind.CEREMONY)
    assert ceremony.local_start.date() == date(2021, 11, 7)
    assert ceremony.city.local_name == "上海"
    assert "Kounalakis" in ceremony.description
    assert mission.members.filter(full_name="Jeffrey Chang", role=Member.Role.HEAD).exists()


def test_demo_cities_have_zones_coordinates_and_local_names():
    call_command("load_demo_missions")
    for city in City.objects.filter(country="China"):
        assert city.local_name, city.name
        assert city.latitude is not None and city.longitude is not None
    assert City.objects.get(name="Sacramento").timezone == "America/Los_Angeles"
    assert City.objects.get(name="Hong Kong").timezone == "Asia/Hong_Kong"


def test_demo_user_is_created_only_when_debug_is_on(settings):
    settings.DEBUG = False
    call_command("load_demo_missions", demo_user=True)
    assert not get_user_model().objects.exists()
    settings.DEBUG = True
    call_command("load_demo_missions", demo_user=True)
    user = get_user_model().objects.get(username="demo")
    assert user.is_staff and user.check_password("demo-mission-planner")
    assert user.staffed_delegations.count() == 2
