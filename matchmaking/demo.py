"""The 2016 mission's Shanghai B2B event as a solved session, for `make run`.

The article says only that the mission ran "business to business events in Shanghai, …": the
dozen California companies (itinerary/demo_missions.py) and the Shanghai buyers below are
invented, and every participant is marked so. Requests come from both sides, drawn from each
company's sector with a fixed seed, so every load gives the same session. Loading again keeps the
plan staff may have changed: the solver runs only while the session has no meetings.
"""

from __future__ import annotations

import random
from datetime import datetime, time

from django.db import transaction

from delegations.models import Delegation, Member, Organisation
from itinerary.demo_missions import EXECUTIVE_COMPANIES, EXECUTIVES
from itinerary.models import City
from itinerary.signals import mission_loaded
from matchmaking.models import Participant, Priority, Request, Session

MISSION_SLUG = "california-china-trade-mission-2016"
SESSION_TITLE = "B2B matchmaking with Shanghai buyers"

# One sector per California company, in EXECUTIVE_COMPANIES' order.
SECTORS = (
    "grid",
    "storage",
    "solar",
    "water",
    "bioenergy",
    "ev",
    "buildings",
    "air",
    "wind",
    "grid",
    "hydrogen",
    "recycling",
)

BRANDS = [
    ("Huaxin", "华信"),
    ("Zhongke", "中科"),
    ("Dongfang", "东方"),
    ("Jinqiao", "金桥"),
    ("Hengtong", "恒通"),
    ("Tianrun", "天润"),
    ("Xinyuan", "鑫源"),
    ("Lianhe", "联合"),
    ("Hongsheng", "宏盛"),
    ("Ruida", "瑞达"),
    ("Minghui", "明辉"),
    ("Yongtai", "永泰"),
]
PLACES = [("Shanghai", "上海"), ("Jiangsu", "江苏"), ("Zhejiang", "浙江")]
TRADES = {
    "grid": ("Power Grid Equipment", "电网设备"),
    "storage": ("Energy Storage", "储能科技"),
    "solar": ("Photovoltaic", "光伏"),
    "water": ("Water Treatment", "水处理"),
    "bioenergy": ("Biomass Energy", "生物质能源"),
    "ev": ("New Energy Vehicle Parts", "新能源汽车配件"),
    "buildings": ("Green Building Materials", "绿色建材"),
    "air": ("Environmental Engineering", "环境工程"),
    "wind": ("Wind Power", "风电"),
    "hydrogen": ("Hydrogen Energy", "氢能"),
    "recycling": ("Resource Recycling", "资源再生"),
}
CONTACTS = [
    ("Wang Wei", "王伟"),
    ("Li Na", "李娜"),
    ("Zhang Min", "张敏"),
    ("Liu Yang", "刘洋"),
    ("Chen Jing", "陈静"),
    ("Yang Lei", "杨磊"),
    ("Zhao Jun", "赵军"),
    ("Huang Li", "黄丽"),
    ("Zhou Jie", "周杰"),
    ("Wu Fang", "吴芳"),
    ("Xu Qiang", "徐强"),
    ("Sun Yan", "孙燕"),
]
BUYERS_PER_SECTOR = 3


def _buyers() -> list[dict]:
    """Three invented buyers per sector: “Jiangsu Zhongke Energy Storage Co., Ltd.” and its Chinese name."""
    buyers = []
    sectors = sorted(set(SECTORS))
    for index in range(len(sectors) * BUYERS_PER_SECTOR):
        sector = sectors[index % len(sectors)]
        brand, brand_local = BRANDS[index % len(BRANDS)]
        place, place_local = PLACES[(index // len(sectors)) % len(PLACES)]
        trade, trade_local = TRADES[sector]
        contact, contact_local = CONTACTS[(index * 5) % len(CONTACTS)]
        buyers.append(
            dict(
                name=f"{place} {brand} {trade} Co., Ltd.",
                local_name=f"{place_local}{brand_local}{trade_local}有限公司",
                sector=sector,
                contact=contact,
                contact_local=contact_local,
                language=Participant.Language.ENGLISH if index % 6 == 5 else Participant.Language.CHINESE,
                # A few come only for the afternoon.
                available_from=time(13, 30) if index % 7 == 3 else None,
            )
        )
    return buyers


def _requests(sellers: list[Participant], buyers: list[tuple[Participant, str]]) -> list[tuple]:
    """(requester, target, priority): buyers ask for companies in their sector, companies for buyers."""
    rng = random.Random(2016)
    by_sector = {}
    for seller, sector in zip(sellers, SECTORS, strict=True):
        by_sector.setdefault(sector, []).append(seller)
    wanted = []
    for buyer, sector in buyers:
        for seller in by_sector[sector]:
            wanted.append((buyer, seller, rng.choice([Priority.MUST, Priority.WANT, Priority.WANT])))
        other = rng.choice([s for s in sellers if s not in by_sector[sector]])
        wanted.append((buyer, other, Priority.COULD))
    for seller, sector in zip(sellers, SECTORS, strict=True):
        same = [b for b, s in buyers if s == sector]
        others = [b for b, s in buyers if s != sector]
        for buyer in rng.sample(same, k=min(2, len(same))) + rng.sample(others, k=2):
            wanted.append((seller, buyer, rng.choice([Priority.MUST, Priority.WANT, Priority.COULD])))
    # Two companies say "no thanks" to a buyer that asked for them.
    vetoes = []
    for seller in (sellers[2], sellers[7]):
        buyer = next(r for r, t, _ in wanted if t == seller and not r.is_seller)
        vetoes.append((seller, buyer))
    wanted = [(r, t, p) for r, t, p in wanted if (r, t) not in vetoes]
    wanted += [(seller, buyer, Priority.VETO) for seller, buyer in vetoes]
    return wanted


def _local(city: City, text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=city.zone)


@transaction.atomic
def load_demo_sessions(*, time_limit_s: float = 5) -> list[Session]:
    """Create or refresh the Shanghai session; solve it when it has no meetings yet."""
    delegation = Delegation.objects.filter(slug=MISSION_SLUG).first()
    if delegation is None:
        return []
    shanghai = City.objects.get(name="Shanghai", country="China")
    session, _ = Session.objects.update_or_create(
        delegation=delegation,
        title=SESSION_TITLE,
        defaults=dict(
            city=shanghai,
            venue="Shanghai Exhibition Center",
            venue_local="上海展览中心",
            address="1000 Middle Yan'an Road, Jing'an District, Shanghai",
            address_local="上海市静安区延安中路1000号",
            starts_at=_local(shanghai, "2016-11-01 09:30"),
            ends_at=_local(shanghai, "2016-11-01 16:30"),
            slot_minutes=20,
            breaks="12:00–13:30",
            tables=12,
            max_meetings=8,
            time_limit_seconds=max(1, round(time_limit_s)),
        ),
    )
    sellers = []
    for executive, company in zip(EXECUTIVES, EXECUTIVE_COMPANIES, strict=True):
        organisation = Organisation.objects.get(name=company, country="United States")
        seller, _ = Participant.objects.update_or_create(
            session=session,
            organisation=organisation,
            defaults=dict(
                side=Participant.Side.SELLER, language=Participant.Language.ENGLISH, is_invented=True
            ),
        )
        seller.members.set(Member.objects.filter(delegation=delegation, full_name=executive))
        sellers.append(seller)
    buyers = []
    for spec in _buyers():
        organisation, _ = Organisation.objects.update_or_create(
            name=spec["name"],
            country="China",
            defaults=dict(local_name=spec["local_name"], kind=Organisation.Kind.COMPANY),
        )
        buyer, _ = Participant.objects.update_or_create(
            session=session,
            organisation=organisation,
            defaults=dict(
                side=Participant.Side.BUYER,
                contact_name=spec["contact"],
                contact_local_name=spec["contact_local"],
                language=spec["language"],
                available_from=spec["available_from"],
                is_invented=True,
            ),
        )
        buyers.append((buyer, spec["sector"]))
    for requester, target, priority in _requests(sellers, buyers):
        Request.objects.update_or_create(
            session=session, requester=requester, target=target, defaults=dict(priority=priority)
        )
    if not session.placements.exists():
        from matchmaking.planning import solve_run

        solve_run(session)
    # The mission's release was published before the session existed: publish again (silently).
    mission_loaded.send(sender=load_demo_sessions, delegation=delegation)
    return [session]
