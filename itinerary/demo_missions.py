"""The two demo missions, from the articles in shared/seeds/.

Facts (people, organisations, counterparts, cities, the trade show, the CIIE opening ceremony on
7 November 2021) come from the articles; times, venues, hotels and travel legs are plausible
inventions where the articles give none. Loading is idempotent: everything is keyed by a natural
key, and meeting and leg UIDs are derived from the mission and a fixed key, so reloading updates in
place and calendar clients keep the same events.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from delegations.models import Delegation, Member, Organisation
from itinerary.models import City, Meeting, Stay, TravelLeg
from itinerary.signals import mission_loaded

UID_NAMESPACE = uuid.UUID("6f1d3c2e-8a7b-4f51-9c1e-2b0d5e7a9c44")

Org = Organisation.Kind
Role = Member.Role
Kind = Meeting.Kind
Mode = TravelLeg.Mode

# The article does not name the dozen companies: these are invented (and the B2B session in
# matchmaking/demo.py marks them so), one per executive.
EXECUTIVE_COMPANIES = (
    "Golden Gate Microgrids",
    "Sierra Battery Storage",
    "Mojave Solar Trackers",
    "Pacific Smart Water",
    "Central Valley Bioenergy",
    "Delta EV Charging",
    "Redwood Building Efficiency",
    "Sacramento Clean Air Systems",
    "Coastal Wind Components",
    "Silicon Valley Grid Analytics",
    "San Diego Hydrogen",
    "Inland Empire Recycling Technologies",
)
ORGANISATIONS = [
    # name, local name, kind, country, website
    (
        "Governor's Office of Business and Economic Development (GO-Biz)",
        "",
        Org.AGENCY,
        "United States",
        "https://business.ca.gov",
    ),
    ("California Energy Commission", "", Org.AGENCY, "United States", "https://www.energy.ca.gov"),
    ("California Environmental Protection Agency", "", Org.AGENCY, "United States", "https://calepa.ca.gov"),
    ("California Asian Pacific Chamber of Commerce", "", Org.CHAMBER, "United States", ""),
    ("Los Angeles World Trade Center", "", Org.CHAMBER, "United States", ""),
    ("City of Sacramento", "", Org.GOVERNMENT, "United States", "https://www.cityofsacramento.gov"),
    ("Bay Area Council", "", Org.CHAMBER, "United States", "https://www.bayareacouncil.org"),
    ("Los Angeles Regional Export Council (LARExC)", "", Org.CHAMBER, "United States", ""),
    ("California-China Trade and Investment Office", "", Org.AGENCY, "United States", ""),
    ("Office of the Lieutenant Governor of California", "", Org.GOVERNMENT, "United States", ""),
    (
        "Ministry of Commerce (MOFCOM)",
        "中华人民共和国商务部",
        Org.GOVERNMENT,
        "China",
        "http://www.mofcom.gov.cn",
    ),
    (
        "China Chamber of Commerce for Import and Export of Machinery and Electronic Products (CCCME)",
        "中国机电产品进出口商会",
        Org.CHAMBER,
        "China",
        "http://www.cccme.org.cn",
    ),
    ("Inner Mongolia Autonomous Region Government", "内蒙古自治区人民政府", Org.GOVERNMENT, "China", ""),
    ("Chongqing Municipal People's Government", "重庆市人民政府", Org.GOVERNMENT, "China", ""),
    ("Shandong Provincial People's Government", "山东省人民政府", Org.GOVERNMENT, "China", ""),
    ("Hebei Provincial People's Government", "河北省人民政府", Org.GOVERNMENT, "China", ""),
    ("LeEco", "乐视", Org.COMPANY, "China", ""),
    ("Meishan California Smart City (MCSC)", "眉山加州智慧城", Org.COMPANY, "China", ""),
    ("Clean Energy Technologies Inc. (CETY)", "", Org.COMPANY, "United States", ""),
    *[(company, "", Org.COMPANY, "United States", "") for company in EXECUTIVE_COMPANIES],
    (
        "China International Import Expo Bureau",
        "中国国际进口博览局",
        Org.AGENCY,
        "China",
        "https://www.ciie.org",
    ),
]

CITIES = [
    # name, local name, country, zone, latitude, longitude
    ("Sacramento", "", "United States", "America/Los_Angeles", "38.58157", "-121.49440"),
    ("San Francisco", "旧金山", "United States", "America/Los_Angeles", "37.77493", "-122.41942"),
    ("Beijing", "北京", "China", "Asia/Shanghai", "39.90421", "116.40739"),
    ("Nanjing", "南京", "China", "Asia/Shanghai", "32.06025", "118.79687"),
    ("Zhenjiang", "镇江", "China", "Asia/Shanghai", "32.18770", "119.42500"),
    ("Shanghai", "上海", "China", "Asia/Shanghai", "31.23042", "121.47370"),
    ("Guangzhou", "广州", "China", "Asia/Shanghai", "23.12911", "113.26439"),
    ("Shenzhen", "深圳", "China", "Asia/Shanghai", "22.54310", "114.05787"),
    ("Hong Kong", "香港", "China", "Asia/Hong_Kong", "22.31930", "114.16936"),
    ("Chengdu", "成都", "China", "Asia/Shanghai", "30.57281", "104.06680"),
    ("Meishan", "眉山", "China", "Asia/Shanghai", "30.07540", "103.84850"),
]


@dataclass(frozen=True)
class MeetingSpec:
    key: str
    kind: str
    title: str
    city: str
    start: str  # local time in the city, "YYYY-MM-DD HH:MM"
    end: str
    venue: str = ""
    venue_local: str = ""
    address: str = ""
    address_local: str = ""
    counterparts: tuple[str, ...] = ()
    attendees: tuple[str, ...] = ()  # empty: the whole delegation
    description: str = ""
    staff_notes: str = ""


@dataclass(frozen=True)
class LegSpec:
    key: str
    mode: str
    origin: str
    destination: str
    departs: str  # local time at the origin
    arrives: str  # local time at the destination
    carrier: str = ""
    number: str = ""
    attendees: tuple[str, ...] = ()
    notes: str = ""


GO_BIZ = "Governor's Office of Business and Economic Development (GO-Biz)"
CEC = "California Energy Commission"
MOFCOM = "Ministry of Commerce (MOFCOM)"
CCCME = "China Chamber of Commerce for Import and Export of Machinery and Electronic Products (CCCME)"
PROVINCES = (
    "Inner Mongolia Autonomous Region Government",
    "Chongqing Municipal People's Government",
    "Shandong Provincial People's Government",
    "Hebei Provincial People's Government",
)
LEADERS = ("Panorea Avdis", "Robert B. Weisenmiller")
STATE_TEAM = (*LEADERS, "GO-Biz international affairs representative", "Energy Commission representative")
EXECUTIVES = tuple(f"Clean energy executive {n:02d}" for n in range(1, 13))
# Who hosts the Shanghai B2B session rather than sitting at a table.
B2B_HOSTS = (
    "GO-Biz international affairs representative",
    "CalAsian Chamber representative",
    "Los Angeles World Trade Center representative",
    "Delegation interpreter",
)

CHINA_WORLD = dict(
    venue="China World Hotel",
    venue_local="中国大饭店",
    address="1 Jianguomenwai Avenue, Chaoyang District, Beijing",
    address_local="北京市朝阳区建国门外大街1号",
)
NECC = dict(
    venue="National Exhibition and Convention Center (Shanghai)",
    venue_local="国家会展中心（上海）",
    address="333 Songze Avenue, Qingpu District, Shanghai",
    address_local="上海市青浦区崧泽大道333号",
)

MISSION_2016 = dict(
    slug="california-china-trade-mission-2016",
    name="2016 California–China Trade Mission",
    organiser=GO_BIZ,
    start_date=date(2016, 10, 21),
    end_date=date(2016, 11, 5),
    home_timezone="America/Los_Angeles",
    summary=(
        "GO-Biz and the California Energy Commission lead officials, California-China Trade Network "
        "partners and a dozen clean energy executives through Beijing, Nanjing, Zhenjiang, Shanghai, "
        "Guangzhou and Shenzhen: the Joint Working Group, a clean tech investment forum, MOFCOM and CCCME "
        "with four provinces, LeEco, B2B events and the Environmental Protection Technology & Equipment "
        "Trade Show. Organised with the California-China Trade and Investment Office and the "
        "CalAsian Chamber."
    ),
    members=[
        # full name, title, organisation, role
        ("Panorea Avdis", "Director", GO_BIZ, Role.HEAD),
        ("Robert B. Weisenmiller", "Chair", CEC, Role.HEAD),
        (
            "GO-Biz international affairs representative",
            "International Affairs and Trade",
            GO_BIZ,
            Role.STAFF,
        ),
        ("Energy Commission representative", "", CEC, Role.OFFICIAL),
        ("CalEPA representative", "", "California Environmental Protection Agency", Role.OFFICIAL),
        (
            "CalAsian Chamber representative",
            "",
            "California Asian Pacific Chamber of Commerce",
            Role.EXECUTIVE,
        ),
        (
            "Los Angeles World Trade Center representative",
            "",
            "Los Angeles World Trade Center",
            Role.EXECUTIVE,
        ),
        ("City of Sacramento representative", "", "City of Sacramento", Role.OFFICIAL),
        (
            "Bay Area Council representative",
            "CA Secretariat, Trade and Investment MOU",
            "Bay Area Council",
            Role.EXECUTIVE,
        ),
        (
            "LARExC representative",
            "CA Secretariat, Trade and Investment MOU",
            "Los Angeles Regional Export Council (LARExC)",
            Role.EXECUTIVE,
        ),
        *[
            (name, "Clean energy company executive", company, Role.EXECUTIVE)
            for name, company in zip(EXECUTIVES, EXECUTIVE_COMPANIES, strict=True)
        ],
        ("Delegation interpreter", "Mandarin–English interpreter", None, Role.INTERPRETER),
    ],
    stays=[
        # city, arrival, departure, hotel, address, local address
        ("Sacramento", date(2016, 10, 21), date(2016, 10, 23), "", "", ""),
        (
            "Beijing",
            date(2016, 10, 24),
            date(2016, 10, 28),
            "China World Hotel",
            "1 Jianguomenwai Avenue, Chaoyang District, Beijing",
            "北京市朝阳区建国门外大街1号",
        ),
        (
            "Nanjing",
            date(2016, 10, 28),
            date(2016, 10, 30),
            "InterContinental Nanjing",
            "1 Zhongyang Road, Gulou District, Nanjing",
            "南京市鼓楼区中央路1号",
        ),
        ("Zhenjiang", date(2016, 10, 30), date(2016, 10, 31), "", "", ""),
        (
            "Shanghai",
            date(2016, 10, 31),
            date(2016, 11, 2),
            "Fairmont Peace Hotel",
            "20 Nanjing Road East, Huangpu District, Shanghai",
            "上海市黄浦区南京东路20号",
        ),
        (
            "Guangzhou",
            date(2016, 11, 2),
            date(2016, 11, 4),
            "White Swan Hotel",
            "1 Shamian South Street, Liwan District, Guangzhou",
            "广州市荔湾区沙面南街1号",
        ),
        (
            "Shenzhen",
            date(2016, 11, 4),
            date(2016, 11, 5),
            "Shangri-La Hotel Shenzhen",
            "1002 Jianshe Road, Luohu District, Shenzhen",
            "深圳市罗湖区建设路1002号",
        ),
    ],
    legs=[
        LegSpec(
            "sac-sfo",
            Mode.COACH,
            "Sacramento",
            "San Francisco",
            "2016-10-23 07:30",
            "2016-10-23 09:30",
            notes="Coach from the Capitol to SFO international terminal.",
        ),
        LegSpec(
            "sfo-pek",
            Mode.FLIGHT,
            "San Francisco",
            "Beijing",
            "2016-10-23 12:50",
            "2016-10-24 16:55",
            carrier="Air China",
            number="CA 986",
        ),
        LegSpec(
            "pek-nkg",
            Mode.TRAIN,
            "Beijing",
            "Nanjing",
            "2016-10-28 09:00",
            "2016-10-28 12:55",
            carrier="China Railway",
            number="G 11",
            notes="Beijing South to Nanjing South.",
        ),
        LegSpec("nkg-zhe", Mode.CAR, "Nanjing", "Zhenjiang", "2016-10-30 09:00", "2016-10-30 10:15"),
        LegSpec(
            "zhe-sha",
            Mode.TRAIN,
            "Zhenjiang",
            "Shanghai",
            "2016-10-31 09:30",
            "2016-10-31 10:45",
            carrier="China Railway",
            notes="Zhenjiang to Shanghai Hongqiao.",
        ),
        LegSpec(
            "sha-can",
            Mode.FLIGHT,
            "Shanghai",
            "Guangzhou",
            "2016-11-02 08:00",
            "2016-11-02 10:35",
            carrier="China Southern",
            number="CZ 3524",
            notes="Shanghai Hongqiao to Guangzhou Baiyun.",
        ),
        LegSpec(
            "can-szx",
            Mode.TRAIN,
            "Guangzhou",
            "Shenzhen",
            "2016-11-04 09:00",
            "2016-11-04 09:40",
            carrier="China Railway",
            notes="Guangzhou South to Shenzhen North.",
        ),
        LegSpec(
            "szx-hkg",
            Mode.COACH,
            "Shenzhen",
            "Hong Kong",
            "2016-11-05 07:30",
            "2016-11-05 09:30",
            notes="Cross-border coach to Hong Kong International Airport.",
        ),
        LegSpec(
            "hkg-sfo",
            Mode.FLIGHT,
            "Hong Kong",
            "San Francisco",
            "2016-11-05 12:45",
            "2016-11-05 09:35",
            carrier="United Airlines",
            number="UA 862",
            notes="Crosses the date line: lands before it leaves.",
        ),
    ],
    meetings=[
        MeetingSpec(
            "briefing",
            Kind.BRIEFING,
            "Pre-departure briefing",
            "Sacramento",
            "2016-10-21 10:00",
            "2016-10-21 11:30",
            venue="GO-Biz",
            address="1325 J Street, Suite 1800, Sacramento, CA 95814",
            description="Programme, protocol, gifts, business cards in Chinese, travel documents.",
            staff_notes="Collect passport copies for the MOFCOM visitor list.",
        ),
        MeetingSpec(
            "jwg",
            Kind.GOVERNMENT,
            "California–China Joint Working Group",
            "Beijing",
            "2016-10-25 09:00",
            "2016-10-25 12:00",
            **CHINA_WORLD,
            counterparts=(MOFCOM, "California-China Trade and Investment Office"),
            attendees=STATE_TEAM,
            description="Convened under the 2013 agreement signed by Governor Brown to expand bilateral "
            "trade and investment: economic opportunities for California clean tech "
            "companies and Chinese foreign direct investment.",
        ),
        MeetingSpec(
            "forum",
            Kind.FORUM,
            "California Clean Tech Investment Forum",
            "Beijing",
            "2016-10-25 14:00",
            "2016-10-25 17:30",
            **CHINA_WORLD,
            counterparts=(
                "California-China Trade and Investment Office",
                "California Asian Pacific Chamber of Commerce",
            ),
            description="Over a hundred Chinese business owners and investors. Opening remarks by "
            "GO-Biz Director Panorea Avdis.",
        ),
        MeetingSpec(
            "mofcom",
            Kind.GOVERNMENT,
            "MOFCOM and CCCME with Inner Mongolia, Chongqing, Shandong and Hebei",
            "Beijing",
            "2016-10-26 09:30",
            "2016-10-26 11:30",
            venue="Ministry of Commerce",
            venue_local="商务部",
            address="2 Dong Chang'an Avenue, Dongcheng District, Beijing",
            address_local="北京市东城区东长安街2号",
            counterparts=(MOFCOM, CCCME, *PROVINCES),
            attendees=STATE_TEAM,
            description="Ministry of Commerce and CCCME meeting with representatives of Inner Mongolia, "
            "Chongqing, Shandong and Hebei.",
            staff_notes="Security check at the north gate; arrive 30 minutes early with passports.",
        ),
        MeetingSpec(
            "leeco",
            Kind.GOVERNMENT,
            "LeEco executives: expanding in California",
            "Beijing",
            "2016-10-26 14:30",
            "2016-10-26 16:00",
            venue="LeEco Building",
            venue_local="乐视大厦",
            address="105 Yaojiayuan Road, Chaoyang District, Beijing",
            address_local="北京市朝阳区姚家园路105号",
            counterparts=("LeEco",),
            attendees=(*LEADERS, "Delegation interpreter"),
            description="LeEco already has an office in Palo Alto and is rolling out an electric vehicle "
            "it plans to sell in California.",
        ),
        MeetingSpec(
            "hebei-shandong",
            Kind.GOVERNMENT,
            "Provincial delegations: Hebei and Shandong",
            "Beijing",
            "2016-10-27 09:00",
            "2016-10-27 11:30",
            **CHINA_WORLD,
            counterparts=(PROVINCES[3], PROVINCES[2]),
        ),
        MeetingSpec(
            "chongqing-inner-mongolia",
            Kind.GOVERNMENT,
            "Provincial delegations: Chongqing and Inner Mongolia",
            "Beijing",
            "2016-10-27 14:00",
            "2016-10-27 16:30",
            **CHINA_WORLD,
            counterparts=(PROVINCES[1], PROVINCES[0]),
        ),
        MeetingSpec(
            "b2b-nanjing",
            Kind.B2B,
            "B2B matchmaking, Nanjing",
            "Nanjing",
            "2016-10-29 09:30",
            "2016-10-29 16:30",
            venue="Nanjing International Expo Center",
            venue_local="南京国际博览中心",
            address="300 Jiangdong Middle Road, Jianye District, Nanjing",
            address_local="南京市建邺区江东中路300号",
        ),
        MeetingSpec(
            "b2b-zhenjiang",
            Kind.B2B,
            "B2B matchmaking, Zhenjiang",
            "Zhenjiang",
            "2016-10-30 14:00",
            "2016-10-30 17:00",
            venue="Zhenjiang Municipal Conference Centre",
            venue_local="镇江市政府会议中心",
        ),
        MeetingSpec(
            "b2b-shanghai",
            Kind.B2B,
            "B2B matchmaking, Shanghai",
            "Shanghai",
            "2016-11-01 09:30",
            "2016-11-01 16:30",
            venue="Shanghai Exhibition Center",
            venue_local="上海展览中心",
            address="1000 Middle Yan'an Road, Jing'an District, Shanghai",
            address_local="上海市静安区延安中路1000号",
            attendees=B2B_HOSTS,
            description=(
                "GO-Biz and the chamber partners host the session; each company's table meetings "
                "with Shanghai buyers are in its executive's own itinerary."
            ),
        ),
        MeetingSpec(
            "b2b-guangzhou",
            Kind.B2B,
            "B2B matchmaking, Guangzhou",
            "Guangzhou",
            "2016-11-02 15:00",
            "2016-11-02 18:00",
            venue="White Swan Hotel",
            venue_local="白天鹅宾馆",
            address="1 Shamian South Street, Liwan District, Guangzhou",
            address_local="广州市荔湾区沙面南街1号",
        ),
        MeetingSpec(
            "trade-show",
            Kind.TRADE_SHOW,
            "Environmental Protection Technology & Equipment Trade Show",
            "Guangzhou",
            "2016-11-03 09:00",
            "2016-11-03 17:00",
            venue="China Import and Export Fair Complex",
            venue_local="中国进出口商品交易会展馆",
            address="380 Yuejiang Middle Road, Haizhu District, Guangzhou",
            address_local="广州市海珠区阅江中路380号",
            description="The annual trade show hosted by the Chinese Government.",
        ),
        MeetingSpec(
            "b2b-shenzhen",
            Kind.B2B,
            "B2B matchmaking, Shenzhen",
            "Shenzhen",
            "2016-11-04 14:00",
            "2016-11-04 17:00",
            venue="Shenzhen Convention & Exhibition Center",
            venue_local="深圳会展中心",
            address="111 Fuhua 3rd Road, Futian District, Shenzhen",
            address_local="深圳市福田区福华三路111号",
        ),
    ],
)

MCSC = "Meishan California Smart City (MCSC)"
CETY = "Clean Energy Technologies Inc. (CETY)"
MISSION_2021 = dict(
    slug="california-pavilion-ciie-2021",
    name="California Pavilion at the 4th CIIE (2021)",
    organiser="Bay Area Council",
    start_date=date(2021, 11, 3),
    end_date=date(2021, 11, 10),
    home_timezone="Asia/Shanghai",
    summary=(
        "Meishan California Smart City's team at the Bay Area Council's California Pavilion at the 4th China "
        "International Import Expo in Shanghai, bringing California clean energy products and smart city "
        "applications, among them CETY's heat-to-power and waste-to-energy systems, to China's importers."
    ),
    members=[
        ("Jeffrey Chang", "Chairman", MCSC, Role.HEAD),
        ("MCSC team member", "Business development", MCSC, Role.STAFF),
        ("CETY representative", "Sales", CETY, Role.EXECUTIVE),
        ("Bay Area Council representative", "California Pavilion organiser", "Bay Area Council", Role.STAFF),
        (
            "Eleni Kounalakis",
            "Lieutenant Governor of California",
            "Office of the Lieutenant Governor of California",
            Role.OFFICIAL,
        ),
    ],
    stays=[
        ("Meishan", date(2021, 11, 3), date(2021, 11, 4), "", "", ""),
        (
            "Shanghai",
            date(2021, 11, 4),
            date(2021, 11, 10),
            "",
            "Near the National Exhibition and Convention Center",
            "",
        ),
    ],
    legs=[
        LegSpec(
            "meishan-ctu",
            Mode.CAR,
            "Meishan",
            "Chengdu",
            "2021-11-04 07:30",
            "2021-11-04 08:45",
            attendees=("Jeffrey Chang", "MCSC team member", "CETY representative"),
        ),
        LegSpec(
            "ctu-sha",
            Mode.FLIGHT,
            "Chengdu",
            "Shanghai",
            "2021-11-04 10:30",
            "2021-11-04 13:10",
            carrier="Sichuan Airlines",
            number="3U 8961",
            attendees=("Jeffrey Chang", "MCSC team member", "CETY representative"),
        ),
        LegSpec(
            "sha-ctu",
            Mode.FLIGHT,
            "Shanghai",
            "Chengdu",
            "2021-11-10 16:00",
            "2021-11-10 19:10",
            carrier="Sichuan Airlines",
            number="3U 8964",
            attendees=("Jeffrey Chang", "MCSC team member", "CETY representative"),
        ),
    ],
    meetings=[
        MeetingSpec(
            "team-briefing",
            Kind.BRIEFING,
            "Team briefing before CIIE",
            "Meishan",
            "2021-11-03 15:00",
            "2021-11-03 16:30",
            venue="MCSC office",
            venue_local="眉山加州智慧城办公室",
            attendees=("Jeffrey Chang", "MCSC team member", "CETY representative"),
            description="Booth materials, buyer list, product sheets for CETY systems.",
        ),
        MeetingSpec(
            "booth-day-1",
            Kind.TRADE_SHOW,
            "CIIE opens: California Pavilion booth",
            "Shanghai",
            "2021-11-05 09:00",
            "2021-11-05 17:00",
            **NECC,
            counterparts=("China International Import Expo Bureau",),
            attendees=(
                "Jeffrey Chang",
                "MCSC team member",
                "CETY representative",
                "Bay Area Council representative",
            ),
        ),
        MeetingSpec(
            "opening",
            Kind.CEREMONY,
            "California Pavilion opening ceremony",
            "Shanghai",
            "2021-11-07 10:00",
            "2021-11-07 11:00",
            **NECC,
            counterparts=("Bay Area Council", "China International Import Expo Bureau"),
            description="Lieutenant Governor Eleni Kounalakis speaks on the longstanding relations between "
            "China and California and the importance of trade between the two.",
        ),
        MeetingSpec(
            "buyers-cety",
            Kind.B2B,
            "Buyer meetings: CETY heat-to-power and waste-to-energy",
            "Shanghai",
            "2021-11-07 14:00",
            "2021-11-07 17:00",
            **NECC,
            counterparts=(CETY,),
            attendees=("Jeffrey Chang", "CETY representative"),
            description="Low-cost, zero-emission heat-to-power from industrial waste heat or biomass.",
        ),
        MeetingSpec(
            "buyers-smart-city",
            Kind.B2B,
            "Buyer meetings: smart city clean energy solutions",
            "Shanghai",
            "2021-11-08 10:00",
            "2021-11-08 12:00",
            **NECC,
            counterparts=(MCSC,),
            attendees=("Jeffrey Chang", "MCSC team member"),
        ),
        MeetingSpec(
            "bac-reception",
            Kind.MEAL,
            "Bay Area Council reception for California Pavilion exhibitors",
            "Shanghai",
            "2021-11-09 18:30",
            "2021-11-09 20:30",
            venue="Bay Area Council China office",
            counterparts=("Bay Area Council",),
        ),
    ],
)

MISSIONS = [MISSION_2016, MISSION_2021]


def _local(city: City, text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=city.zone)


def _uid(slug: str, key: str) -> uuid.UUID:
    return uuid.uuid5(UID_NAMESPACE, f"{slug}/{key}")


def _load_mission(spec: dict, orgs: dict[str, Organisation], cities: dict[str, City]) -> Delegation:
    delegation, _ = Delegation.objects.update_or_create(
        slug=spec["slug"],
        defaults=dict(
            name=spec["name"],
            summary=spec["summary"],
            organiser=orgs[spec["organiser"]],
            start_date=spec["start_date"],
            end_date=spec["end_date"],
            home_timezone=spec["home_timezone"],
        ),
    )
    members = {}
    for full_name, title, org_name, role in spec["members"]:
        members[full_name], _ = Member.objects.update_or_create(
            delegation=delegation,
            full_name=full_name,
            defaults=dict(title=title, organisation=orgs.get(org_name), role=role),
        )
    for city_name, arrival, departure, hotel, address, local_address in spec["stays"]:
        Stay.objects.update_or_create(
            delegation=delegation,
            city=cities[city_name],
            arrival_date=arrival,
            defaults=dict(
                departure_date=departure,
                hotel_name=hotel,
                hotel_address=address,
                hotel_local_address=local_address,
            ),
        )
    for leg in spec["legs"]:
        origin, destination = cities[leg.origin], cities[leg.destination]
        item, _ = TravelLeg.objects.update_or_create(
            uid=_uid(spec["slug"], leg.key),
            defaults=dict(
                delegation=delegation,
                mode=leg.mode,
                origin=origin,
                destination=destination,
                departs_at=_local(origin, leg.departs),
                arrives_at=_local(destination, leg.arrives),
                carrier=leg.carrier,
                number=leg.number,
                notes=leg.notes,
            ),
        )
        item.attendees.set([members[name] for name in leg.attendees])
    for meeting in spec["meetings"]:
        city = cities[meeting.city]
        item, _ = Meeting.objects.update_or_create(
            uid=_uid(spec["slug"], meeting.key),
            defaults=dict(
                delegation=delegation,
                kind=meeting.kind,
                title=meeting.title,
                city=city,
                venue=meeting.venue,
                venue_local=meeting.venue_local,
                address=meeting.address,
                address_local=meeting.address_local,
                starts_at=_local(city, meeting.start),
                ends_at=_local(city, meeting.end),
                description=meeting.description,
                staff_notes=meeting.staff_notes,
            ),
        )
        item.counterparts.set([orgs[name] for name in meeting.counterparts])
        item.attendees.set([members[name] for name in meeting.attendees])
    return delegation


@transaction.atomic
def load_demo_missions() -> list[Delegation]:
    """Create or update both demo missions; running it again changes nothing."""
    orgs = {}
    for name, local_name, kind, country, website in ORGANISATIONS:
        orgs[name], _ = Organisation.objects.update_or_create(
            name=name,
            country=country,
            defaults=dict(local_name=local_name, kind=kind, website=website),
        )
    cities = {}
    for name, local_name, country, tz, latitude, longitude in CITIES:
        cities[name], _ = City.objects.update_or_create(
            name=name,
            country=country,
            defaults=dict(local_name=local_name, timezone=tz, latitude=latitude, longitude=longitude),
        )
    missions = [_load_mission(spec, orgs, cities) for spec in MISSIONS]
    for delegation in missions:
        mission_loaded.send(sender=load_demo_missions, delegation=delegation)
    return missions
