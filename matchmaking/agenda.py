"""A buyer's agenda, in English and the buyer's language: when, at which table, with whom.

Two sources, one shape: what is handed to the buyer, printed or as its own page and feed, is the
latest release (`released_agenda`), what delegates see, so a buyer never learns of a meeting before
the members who sit at its table do, and the paper and the page agree; staff can preview the plan as
it stands (`plan_agenda`, the working copy), marked as a preview on every page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from delegations.models import Member, Organisation
from itinerary.schedule import Entry, Mission
from itinerary.timezones import zone_label
from matchmaking.models import Participant, Session
from matchmaking.released_plan import session_meetings
from matchmaking.table_plan import session_seats

ENGLISH = {
    "agenda": "Meeting agenda",
    "date": "Date",
    "venue": "Venue",
    "address": "Address",
    "for_drivers": "For drivers",
    "time": "Time",
    "table": "Table",
    "company": "Company",
    "people": "Representatives",
    "contact": "Contact",
    "times_local": "All times are local",
    "none": "No meetings yet",
    "cancelled": "Cancelled",
}
# The buyer's language next to the English; English buyers read English only.
TRANSLATIONS = {
    "zh": {
        "agenda": "会议日程",
        "date": "日期",
        "venue": "会场",
        "address": "地址",
        "for_drivers": "供司机参考",
        "time": "时间",
        "table": "桌号",
        "company": "公司",
        "people": "代表",
        "contact": "联系人",
        "times_local": "所有时间均为当地时间",
        "none": "暂无会议",
        "cancelled": "已取消",
    },
    "ja": {
        "agenda": "商談スケジュール",
        "date": "日付",
        "venue": "会場",
        "address": "住所",
        "for_drivers": "運転手の方へ",
        "time": "時間",
        "table": "テーブル番号",
        "company": "会社",
        "people": "出席者",
        "contact": "担当者",
        "times_local": "時間はすべて現地時間です",
        "none": "商談の予定はまだありません",
        "cancelled": "キャンセル",
    },
    "ko": {
        "agenda": "상담 일정",
        "date": "날짜",
        "venue": "장소",
        "address": "주소",
        "for_drivers": "운전기사용",
        "time": "시간",
        "table": "테이블 번호",
        "company": "회사",
        "people": "참석자",
        "contact": "담당자",
        "times_local": "모든 시간은 현지 시간입니다",
        "none": "아직 예정된 상담이 없습니다",
        "cancelled": "취소됨",
    },
}
_WEEKDAYS = {"zh": "一二三四五六日", "ja": "月火水木金土日", "ko": "월화수목금토일"}


@dataclass(frozen=True)
class Label:
    en: str
    local: str = ""  # empty: English only
    lang: str = "en"

    def __str__(self) -> str:
        return f"{self.en} / {self.local}" if self.local else self.en


def labels_for(language: str) -> dict[str, Label]:
    local = TRANSLATIONS.get(language, {})
    return {key: Label(text, local.get(key, ""), language) for key, text in ENGLISH.items()}


def date_in(language: str, day: date) -> str:
    """“2016年10月26日（星期三）”, “2016년 10월 26일 (수)”; empty for English (printed beside it anyway)."""
    weekday = _WEEKDAYS.get(language, "")[day.weekday() : day.weekday() + 1]
    if language == "zh":
        return f"{day.year}年{day.month}月{day.day}日（星期{weekday}）"
    if language == "ja":
        return f"{day.year}年{day.month}月{day.day}日（{weekday}）"
    if language == "ko":
        return f"{day.year}년 {day.month}월 {day.day}일 ({weekday})"
    return ""


@dataclass(frozen=True)
class AgendaRow:
    local_start: datetime
    local_end: datetime
    table: int | None
    company: Organisation | None
    people: tuple[Member, ...]
    cancelled: bool = False
    entry: Entry | None = None  # a release's item: what the buyer's feed is made of
    gone: bool = False  # deleted from the itinerary since an earlier release

    @property
    def key(self) -> str:
        return self.entry.key if self.entry else f"{self.local_start:%H%M}-{self.table}"

    @property
    def time_range(self) -> str:
        """14:20–14:40, on the room's clock (templates would convert to the server's zone)."""
        return f"{self.local_start:%H:%M}–{self.local_end:%H:%M}"


@dataclass
class BuyerAgenda:
    session: Session
    buyer: Participant
    rows: list[AgendaRow]
    place: object  # venue, venue_local, address, address_local and city: the session or a release's meeting
    day: date
    edition: str
    labels: dict[str, Label] = field(init=False)

    def __post_init__(self):
        self.labels = labels_for(self.buyer.language)

    @property
    def language(self) -> str:
        return self.buyer.language

    @property
    def is_english(self) -> bool:
        return self.buyer.language not in TRANSLATIONS

    @property
    def date_en(self) -> str:
        return f"{self.day:%A} {self.day.day} {self.day:%B %Y}"

    @property
    def date_local(self) -> str:
        return date_in(self.buyer.language, self.day)

    @property
    def zone(self) -> str:
        start = self.rows[0].local_start if self.rows else self.session.local_start
        return zone_label(start)

    @property
    def meetings(self) -> list[AgendaRow]:
        return [row for row in self.rows if not row.cancelled]


def plan_agenda(session: Session, buyer: Participant) -> BuyerAgenda:
    """The buyer's meetings as the working copy has them now (a staff preview, never handed out)."""
    rows = [
        AgendaRow(
            local_start=seat.slot.local_start,
            local_end=seat.slot.local_end,
            table=seat.table,
            company=seat.seller,
            people=seat.people,
        )
        for seat in session_seats(session, buyer=buyer)
    ]
    return BuyerAgenda(
        session, buyer, rows, session, session.local_start.date(), "The plan as it stands (working copy)"
    )


def released_agenda(session: Session, buyer: Participant, mission: Mission, *, edition: str) -> BuyerAgenda:
    """The buyer's meetings as the latest release has them, cancelled ones included."""
    rows = [
        AgendaRow(
            local_start=meeting.local_start,
            local_end=meeting.local_end,
            table=meeting.table,
            company=meeting.seller,
            people=meeting.people,
            cancelled=meeting.cancelled,
            entry=meeting.entry,
            gone=meeting.gone,
        )
        for meeting in session_meetings(session, mission)
        if meeting.buyer_participant is not None and meeting.buyer_participant.pk == buyer.pk
    ]
    live = [row.entry for row in rows if not row.cancelled]
    place = live[0].item if live else session
    day = live[0].local_date if live else session.local_start.date()
    return BuyerAgenda(session, buyer, rows, place, day, edition)
