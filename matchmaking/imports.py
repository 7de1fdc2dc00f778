"""A B2B session's participants and requests from and to CSV and XLSX: what a registration form exports.

Two kinds of table, told apart by their columns (or, in one workbook, by sheets named
"participants" and "requests"):

- participants, one row per organisation at the session: sellers are the delegation's own
  companies (named as on its members' records, with the members at the table), buyers any
  organisation, added to the organisation list when it is not there yet;
- requests, one row per "A wants to meet B", by organisation name, with a priority.

A row names its organisation, so a participant is matched by organisation and a request by
(requester, target): importing a file again updates those rows instead of adding them twice, and
an export imports as no change. Participants are read before requests, so one workbook can bring
a buyer and its requests together.

As with the programme (itinerary/programme.py, whose reading and naming this module shares),
importing is two steps: `plan_import` reads every row against the database in a fixed number of
queries and says what would change or, by row and in words, what is wrong; `apply_import` saves
a plan without errors in one transaction. A file with any bad row imports nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db import transaction

from delegations.models import Organisation
from itinerary.programme import ImportPlan, Names, RowPlan, _full_clean, _Row
from matchmaking.models import Participant, Priority, Request, Session
from missionplanner.spreadsheets import UnreadableFile, csv_file, read_sheets, xlsx_file
from missionplanner.strict import as_id

PARTICIPANTS, REQUESTS, BOTH = "participants", "requests", "all"
COLUMNS = {
    PARTICIPANTS: (
        "side",
        "organisation",
        "organisation_local_name",
        "country",
        "members",
        "contact_name",
        "contact_local_name",
        "contact_email",
        "language",
        "available_from",
        "available_until",
        "max_meetings",
    ),
    REQUESTS: ("requester", "target", "priority", "note"),
}
REQUIRED = {PARTICIPANTS: ("side", "organisation"), REQUESTS: ("requester", "target")}
KINDS = (PARTICIPANTS, REQUESTS)
# Californian spelling, as a form builder may well write it.
HEADER_SPELLINGS = {"organization": "organisation", "organization_local_name": "organisation_local_name"}

# The organisation's fields under the file's column names (other columns are named as the fields).
ORGANISATION_TEXT = {"organisation": "name", "organisation_local_name": "local_name", "country": "country"}


def _spellings(choices, **more: str) -> dict[str, str]:
    """Every way a cell may say a choice, folded: its value, its label and the extra names given."""
    names = {}
    for value, label in choices:
        names[value.casefold()] = names[str(label).casefold()] = value
    return {**names, **{name.casefold(): value for name, value in more.items()}}


SIDES = _spellings(Participant.Side.choices)
LANGUAGES = _spellings(
    Participant.Language.choices,
    chinese="zh",
    中文="zh",
    mandarin="zh",
    korean="ko",
    한국어="ko",
    japanese="ja",
    日本語="ja",
)
PRIORITIES = _spellings(Priority.choices, no="veto")


def _pick(text: str, names: dict[str, str], column: str, allowed: str) -> str:
    value = names.get(text.strip().casefold())
    if value is None:
        raise ValueError(f"{column} {text!r} is not one of: {allowed}")
    return value


# Reading files ----------------------------------------------------------------------------------


@dataclass
class Table:
    """One sheet of an upload: which kind it is, its header (normalised) and its rows as text."""

    kind: str
    headers: list[str]
    rows: list[list[str]]


def _kind_of(headers: list[str]) -> str:
    kinds = [kind for kind in KINDS if all(column in headers for column in REQUIRED[kind])]
    if len(kinds) == 1:
        return kinds[0]
    named = ", ".join(name for name in headers if name) or "none"
    raise UnreadableFile(
        f"The first row names the columns {named}: a participants file needs side and organisation, "
        "a requests file requester and target (download a template to see them all)."
    )


def read_tables(*, content: bytes, filename: str) -> list[Table]:
    """The tables of an uploaded CSV or XLSX file: its one sheet, or its participants and requests sheets.

    Raises UnreadableFile, with a message for staff, for a file that is not CSV or XLSX, is empty,
    passes a limit of missionplanner/spreadsheets.py, or whose header names neither kind of table.
    Only the sheets named so are read, each in a stream that stops at the row and column limits.
    """
    tables = []
    for sheet in read_sheets(content=content, filename=filename, names=KINDS):
        headers = [HEADER_SPELLINGS.get(name, name) for name in sheet.headers]
        tables.append(Table(kind=sheet.name or _kind_of(headers), headers=headers, rows=sheet.rows))
    return sorted(tables, key=lambda table: KINDS.index(table.kind))  # participants first


# Writing files ----------------------------------------------------------------------------------


def _sheet(kind: str, rows: list[dict[str, str]]) -> tuple[str, tuple, list[list[str]]]:
    columns = COLUMNS[kind]
    return kind, columns, [[row.get(c, "") for c in columns] for row in rows]


def _file(tables: dict[str, list[dict[str, str]]], *, fmt: str) -> bytes:
    """One kind in either format, or both kinds as the two sheets of one workbook."""
    if len(tables) > 1 or fmt == "xlsx":
        return xlsx_file([_sheet(kind, rows) for kind, rows in tables.items()])
    [(kind, rows)] = tables.items()
    return csv_file(*_sheet(kind, rows)[1:])


def _hhmm(value: time | None) -> str:
    return f"{value:%H:%M}" if value else ""


def _participant_row(participant: Participant, members, organisation: Organisation) -> dict[str, str]:
    return {
        "side": participant.side,
        "organisation": organisation.name,
        "organisation_local_name": organisation.local_name,
        "country": organisation.country,
        "members": "; ".join(sorted(member.full_name for member in members)),
        "contact_name": participant.contact_name,
        "contact_local_name": participant.contact_local_name,
        "contact_email": participant.contact_email,
        "language": participant.language,
        "available_from": _hhmm(participant.available_from),
        "available_until": _hhmm(participant.available_until),
        "max_meetings": str(participant.max_meetings or ""),
    }


def _request_row(request: Request) -> dict[str, str]:
    return {
        "requester": request.requester.organisation.name,
        "target": request.target.organisation.name,
        "priority": request.priority,
        "note": request.note,
    }


def _participants(session: Session):
    return session.participants.select_related("organisation").prefetch_related("members")


def _requests(session: Session):
    return session.requests.select_related("requester__organisation", "target__organisation")


def export_file(*, session: Session, kind: str, fmt: str) -> bytes:
    """The session's participants or requests (or both, as a workbook) in the format read_tables reads.

    Three queries at most whatever the session's size: participants with their organisations,
    their members, requests with both organisations.
    """
    tables = {}
    if kind in (PARTICIPANTS, BOTH):
        participants = sorted(_participants(session), key=lambda p: (p.side != "seller", p.organisation.name))
        tables[PARTICIPANTS] = [_participant_row(p, p.members.all(), p.organisation) for p in participants]
    if kind in (REQUESTS, BOTH):
        requests = sorted(
            _requests(session), key=lambda r: (r.requester.organisation.name, r.target.organisation.name)
        )
        tables[REQUESTS] = [_request_row(request) for request in requests]
    return _file(tables, fmt=fmt)


def template_file(*, session: Session, kind: str, fmt: str) -> bytes:
    """The header and a few example rows to replace: one of the mission's own companies selling, with
    its members, two invented buyers and their requests (one mutual, one vetoed)."""
    members = [m for m in session.delegation.members.select_related("organisation") if m.is_active]
    companies = sorted({m.organisation.name: m.organisation for m in members if m.organisation}.items())
    company = companies[0][1] if companies else Organisation(name="Your company", country="United States")
    start, end = session.local_start, session.local_end
    later = start + timedelta(hours=1)
    buyer = {"side": "buyer", "country": "China", "language": "zh"}
    tables = {
        PARTICIPANTS: [
            {
                "side": "seller",
                "organisation": company.name,
                "organisation_local_name": company.local_name,
                "country": company.country,
                "members": "; ".join(sorted(m.full_name for m in members if m.organisation_id == company.pk)),
                "language": "en",
                "max_meetings": "6",
            },
            {
                **buyer,
                "organisation": "Shanghai Electric",
                "organisation_local_name": "上海电气",
                "contact_name": "Wang Li",
                "contact_local_name": "王丽",
                "contact_email": "wang.li@example.com",
                "available_from": _hhmm(later.time()) if later < end else "",
            },
            {
                **buyer,
                "organisation": "Jiangsu Solar Glass",
                "organisation_local_name": "江苏光伏玻璃",
                "contact_name": "Chen Jun",
                "contact_local_name": "陈军",
            },
        ],
        REQUESTS: [
            {"requester": company.name, "target": "Shanghai Electric", "priority": "must"},
            {"requester": "Shanghai Electric", "target": company.name, "priority": "want", "note": "Storage"},
            {"requester": "Jiangsu Solar Glass", "target": company.name, "priority": "veto"},
        ],
    }
    return _file(tables if kind == BOTH else {kind: tables[kind]}, fmt=fmt)


# Planning ---------------------------------------------------------------------------------------


@dataclass
class B2BRowPlan(RowPlan):
    """What one row does; `type` is its table's kind. Besides the programme's row: the organisation
    to save first (a new buyer, or blanks filled in), the members to set, and notes that are not errors."""

    organisation: Organisation | None = None
    members: list | None = None
    notes: list[str] = field(default_factory=list)


class _B2BRow(_Row):
    def error(self, message: str) -> None:
        self.plan.errors.append(f"Row {self.plan.line} ({self.plan.type}): {message}")


@dataclass
class _Entry:
    """A participant as requests name it; `pk` numbers entries, since new participants have none."""

    pk: int
    participant: Participant


class _Known:
    """What a file is read against, loaded once: the organisation list, the mission's members, the
    session's participants and requests, and what the file's earlier rows have planned."""

    def __init__(self, session: Session):
        self.session = session
        self.organisations = Names(
            list(Organisation.objects.all()), noun="organisation", names=lambda o: (o.name, o.local_name)
        )
        members = list(session.delegation.members.select_related("organisation"))
        self.members = Names(
            members, noun="member of this mission", names=lambda m: (m.full_name, m.local_name)
        )
        self.active = [m for m in members if m.is_active]
        companies = {m.organisation.pk: m.organisation for m in self.active if m.organisation}
        self.companies = Names(
            list(companies.values()),
            noun="organisation of this mission's members",
            names=lambda o: (o.name, o.local_name),
        )
        self.participants = {p.organisation_id: p for p in _participants(session)}
        self.requests = {(r.requester_id, r.target_id): r for r in _requests(session)}
        self.planned: list[Participant] = []
        self.seen: dict = {}  # a row's key → the row it is on
        self._entries: Names | None = None

    def stand_in(self, name: str) -> None:
        """A participant row that could not be read still names someone: requests naming them are
        not wrong for it (the row's own errors say what is)."""
        if name:
            self.planned.append(Participant(organisation=Organisation(name=name)))

    def entries(self) -> Names:
        """The session's participants and the file's, by organisation name, once the file's are read."""
        if self._entries is None:
            everyone = {p.organisation.name.casefold(): p for p in reversed(self.planned) if p.pk is None}
            everyone |= {p.organisation.name.casefold(): p for p in self.participants.values()}
            self._entries = Names(
                [_Entry(pk=n, participant=p) for n, p in enumerate(everyone.values())],
                noun="participant",
                names=lambda e: (e.participant.organisation.name, e.participant.organisation.local_name),
            )
        return self._entries

    def once(self, row: _B2BRow, key, what: str) -> bool:
        """False (and an error) when an earlier row of the file has the same key."""
        earlier = self.seen.setdefault(key, row.plan.line)
        if earlier != row.plan.line:
            row.error(f"{what} is also on row {earlier}; each may appear once")
        return earlier == row.plan.line


def plan_import(*, session: Session, tables: list[Table]) -> ImportPlan:
    """Read tables against the session and say, row by row, what importing them would do.

    Nothing is saved. Errors read "Row 14 (requests): no participant called 'Shanghai Electrik' —
    did you mean Shanghai Electric?", rows counted as a spreadsheet does (the header is row 1).
    A column left out of the file leaves that field of existing participants and requests alone.
    """
    known = _Known(session)
    plans: list[B2BRowPlan] = []
    for table in sorted(tables, key=lambda t: KINDS.index(t.kind)):
        columns = COLUMNS[table.kind]
        header = B2BRowPlan(line=1, type=table.kind)
        unknown = [repr(name) for name in table.headers if name and name not in columns]
        missing = [name for name in REQUIRED[table.kind] if name not in table.headers]
        if unknown:
            _B2BRow({}, header).error(
                f"unknown column {', '.join(unknown)}; the columns are: {', '.join(columns)}"
            )
        if missing:
            _B2BRow({}, header).error(
                f"no column {' or '.join(missing)}; the columns are: {', '.join(columns)}"
            )
        if header.errors:
            plans.append(header)
            continue
        for number, cells in enumerate(table.rows, start=2):
            values = {name: value for name, value in zip(table.headers, cells, strict=False) if name}
            if not any(values.values()):
                continue  # blank lines are a spreadsheet habit, not a row
            plan = B2BRowPlan(line=number, type=table.kind)
            plans.append(plan)
            row = _B2BRow(values, plan)
            if table.kind == PARTICIPANTS:
                _plan_participant(row, known)
            else:
                _plan_request(row, known)
    return ImportPlan(rows=plans, errors=[error for plan in plans for error in plan.errors])


def _changes(plan: B2BRowPlan, before: dict | None, after: dict[str, str]) -> None:
    if plan.errors:
        return
    plan.is_new = before is None
    before = before or {}
    plan.changes = [
        (column, before.get(column, ""), now)
        for column, now in after.items()
        if before.get(column, "") != now and (before or now)
    ]


def _organisation(row: _B2BRow, names: Names, *, may_add: bool) -> Organisation | None:
    """The row's organisation from `names`, told apart by country when two share a name; when
    `may_add`, a name not on the list is a new organisation (with a note that may suggest a name)."""
    name, country = row.get("organisation"), row.get("country")
    if not name:
        row.error("organisation is empty: name the company")
        return None
    found = {o.pk: o for o in names.by_key.get(name.casefold(), [])}
    if len(found) > 1:
        same = [o for o in found.values() if country and o.country.casefold() == country.casefold()]
        if len(same) == 1:
            return same[0]
        countries = ", ".join(sorted(o.country or "no country" for o in found.values()))
        row.error(
            f"more than one {names.noun} is called {name!r}: fill in country to say which ({countries})"
        )
        return None
    try:
        return names.find(name)
    except ValueError as error:
        if not may_add:
            row.error(str(error))
            return None
        hint = str(error).partition(" — ")[2]
        row.plan.notes.append(
            f"{name} will be added to the organisation list" + (f" ({hint})" if hint else "")
        )
        return Organisation(name=name, country=country, kind=Organisation.Kind.COMPANY)


def _fill_in(row: _B2BRow, organisation: Organisation) -> bool:
    """A new organisation takes the file's local name and country; a listed one only where its own
    are blank (the list is shared by every mission: a form's spelling does not overwrite it)."""
    filled = False
    for column, attribute in (("organisation_local_name", "local_name"), ("country", "country")):
        value, listed = row.get(column), getattr(organisation, attribute)
        if value and not listed:
            setattr(organisation, attribute, value)
            filled = True
        elif value and value != listed:
            row.plan.notes.append(
                f"{column}: the organisation list has {listed!r}, kept instead of {value!r}"
            )
    return filled or organisation.pk is None


def _clock(text: str, column: str, session: Session) -> time | None:
    """A local time of day inside the session, typed ("14:20") or an Excel time or date-and-time cell."""
    if not text:
        return None
    for pattern in ("%H:%M", "%H:%M:%S", "%H:%M:%S.%f", "%Y-%m-%d %H:%M"):
        try:
            parsed = datetime.strptime(text, pattern)
            break
        except ValueError:
            continue
    else:
        raise ValueError(f"{column} {text!r} is not a time of day: write it like 14:20")
    start, end = session.local_start, session.local_end
    if pattern.startswith("%Y") and parsed.date() != start.date():
        raise ValueError(f"{column} {text} is not on the session's day ({start:%Y-%m-%d})")
    # Excel keeps times as fractions of a day: 14:20 may come back as 14:19:59.999.
    clock = (parsed + timedelta(seconds=30)).replace(second=0, microsecond=0).time()
    if not start.time() <= clock <= end.time():
        raise ValueError(f"{column} {clock:%H:%M} is outside the session ({start:%H:%M}–{end:%H:%M})")
    return clock


def _count(text: str) -> int | None:
    if not text:
        return None
    count = as_id(text)  # ASCII digits only: "²" passes str.isdigit() but not int()
    if count is None or count < 1:
        raise ValueError(
            f"max_meetings {text!r} is not a whole number of 1 or more; leave it empty for no cap"
        )
    return count


def _plan_participant(row: _B2BRow, known: _Known) -> None:
    side = row.attempt(_pick, row.get("side"), SIDES, "side", "seller, buyer") if row.get("side") else None
    if not row.get("side"):
        row.error("side is empty: write seller or buyer")
    organisation = None
    if side:
        is_seller = side == Participant.Side.SELLER
        organisation = _organisation(
            row, known.companies if is_seller else known.organisations, may_add=not is_seller
        )
    if organisation is None:
        known.stand_in(row.get("organisation"))
        return
    key = organisation.pk or ("new", organisation.name.casefold())
    if not known.once(row, key, organisation.name):
        return
    participant = known.participants.get(organisation.pk)
    if participant is not None and participant.side != side:
        row.error(
            f"{organisation.name} takes part as a {participant.side}: a participant cannot change sides"
        )
        return
    before, members = None, []
    if participant is None:
        participant = Participant(session=known.session, side=side, organisation=organisation)
    else:
        members = list(participant.members.all())
        before = _participant_row(participant, members, organisation)
    new = before is None
    known.planned.append(participant)
    row.plan.item = participant
    if _fill_in(row, organisation):
        row.plan.organisation = organisation
    if side == Participant.Side.SELLER and (row.get("members") or new):
        members = _seated(row, known, organisation)
    elif row.get("members") and side == Participant.Side.BUYER:
        row.error(
            "members: only sellers have members of the mission at the table; leave it empty for a buyer"
        )
    for column in ("contact_name", "contact_local_name", "contact_email"):
        if row.has(column):
            setattr(participant, column, row.get(column))
    if row.has("language") or new:
        languages = "zh, en, ko, ja (or Chinese, English, Korean, Japanese)"
        language = row.attempt(_pick, row.get("language") or "en", LANGUAGES, "language", languages)
        participant.language = language or participant.language
    for column in ("available_from", "available_until"):
        if row.has(column) or new:
            setattr(participant, column, row.attempt(_clock, row.get(column), column, known.session))
    if row.has("max_meetings") or new:
        participant.max_meetings = row.attempt(_count, row.get("max_meetings"))
    until, since = participant.available_until, participant.available_from
    if until and since and until <= since:
        row.error(f"available_until {until:%H:%M} is not after available_from {since:%H:%M}")
    _full_clean(row, participant, {}, ["session", "organisation", "side", "feed_token", "feed_token_digest"])
    _full_clean(row, organisation, ORGANISATION_TEXT, ["website"])
    _changes(row.plan, before, _participant_row(participant, members, organisation))
    row.plan.members = members if "members" in {c for c, _, _ in row.plan.changes} or new else None


def _seated(row: _B2BRow, known: _Known, organisation: Organisation) -> list:
    """The members named in the row, each an active member working for the seller; by default all of them."""
    if not row.get("members"):
        return [m for m in known.active if m.organisation_id == organisation.pk]
    members = row.names("members", known.members) or []
    for member in members:
        if not member.is_active:
            row.error(f"members: {member.full_name} is not active in this mission")
        elif member.organisation_id != organisation.pk:
            employer = member.organisation.name if member.organisation else "no organisation"
            row.error(f"members: {member.full_name} works for {employer}, not {organisation.name}")
    return members


def _participant_named(row: _B2BRow, known: _Known, column: str) -> Participant | None:
    name = row.get(column)
    if not name:
        row.error(f"{column} is empty: name a participant's organisation")
        return None
    try:
        return known.entries().find(name).participant
    except ValueError as error:
        listed = " (it is on the organisation list but not in this session: add it to the participants)"
        row.error(str(error) + (listed if known.organisations.by_key.get(name.casefold()) else ""))
        return None


def _plan_request(row: _B2BRow, known: _Known) -> None:
    requester = _participant_named(row, known, "requester")
    target = _participant_named(row, known, "target")
    priorities = "must, want, could, no thanks (or veto)"
    priority = row.attempt(_pick, row.get("priority") or Priority.WANT, PRIORITIES, "priority", priorities)
    if requester is None or target is None:
        return
    who, whom = requester.organisation.name, target.organisation.name
    if requester is target:
        row.error(f"requester and target are both {who}: a participant cannot ask to meet itself")
        return
    if requester.side and requester.side == target.side:
        row.error(f"{who} and {whom} are both {requester.side}s: a request is between a seller and a buyer")
        return
    if not known.once(row, (id(requester), id(target)), f"the request from {who} to {whom}"):
        return
    request = known.requests.get((requester.pk, target.pk)) if requester.pk and target.pk else None
    before = None if request is None else _request_row(request)
    if request is None:
        request = Request(session=known.session, requester=requester, target=target)
    if row.has("priority") or before is None:
        request.priority = priority or request.priority
    if row.has("note"):
        request.note = row.get("note")
    row.plan.item = request
    _full_clean(row, request, {}, ["session", "requester", "target"])
    _changes(row.plan, before, _request_row(request))


# Saving -----------------------------------------------------------------------------------------


def versions_of(plan: ImportPlan) -> dict[str, str]:
    """When each participant and request of the plan was last saved, to tell at confirmation who moved."""
    return {
        f"{row.type}:{row.item.pk}": row.item.updated_at.isoformat()
        for row in plan.rows
        if row.item and row.item.pk
    }


def changed_since(plan: ImportPlan, versions: dict[str, str]) -> list[B2BRowPlan]:
    """Rows whose participant or request someone saved after the preview `versions` came from: importing
    them would silently undo that edit, so the preview is shown again with them named."""
    return [
        row
        for row in plan.rows
        if row.item
        and row.item.pk
        and versions.get(f"{row.type}:{row.item.pk}") != row.item.updated_at.isoformat()
    ]


def apply_import(*, plan: ImportPlan) -> ImportPlan:
    """Save a plan without errors, all or nothing: new organisations first, then participants (and who
    sits at their tables), then requests; rows that change nothing are not written."""
    if plan.errors:
        raise ValueError("A plan with errors cannot be imported.")
    saving = [row for row in plan.rows if row.is_new or row.changes]  # in file order: participants first
    with transaction.atomic():
        for row in saving:
            if row.organisation is not None:
                row.organisation.save()
            row.item.save()
            if row.members is not None:
                row.item.members.set(row.members)
    return plan
