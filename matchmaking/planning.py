"""Between the database and the solver: who is free when, the problem, the plan written back.

A seller is free in a slot when one of the people at its table is free then: inside the
participant's own window, and not elsewhere in the itinerary (another meeting, a travel leg, or
the delegation's travel buffer around anything at another venue). Buyers have only their window.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from itinerary.models import ItemStatus, Meeting, TravelLeg
from itinerary.timezones import zone_label
from matchmaking.models import Participant, Placement, Request, Session, Slot
from matchmaking.pairs import PairRequest, pairs_from_requests
from matchmaking.solver import Pair, Party, Plan, Problem

SOLVE_ALL, SOLVE_FILL = "all", "fill"


def _clock(moment: datetime) -> str:
    return f"{moment:%H:%M} {zone_label(moment)}"


@dataclass(frozen=True)
class Busy:
    """A member elsewhere from `starts_at` to `ends_at` (buffer included), and why, in words."""

    member_id: int
    starts_at: datetime
    ends_at: datetime
    why: str


def _meeting_busy(meeting: Meeting, session: Session, buffer: timedelta) -> tuple[datetime, datetime, str]:
    local_end = timezone.localtime(meeting.ends_at, meeting.city.zone)
    elsewhere = meeting.city_id != session.city_id or meeting.venue.strip() != session.venue.strip()
    pad = buffer if elsewhere else timedelta(0)
    why = f"at “{meeting.title}” until {_clock(local_end)}"
    if elsewhere and buffer:
        why += f" (with {buffer.seconds // 60} min to get here)"
    return meeting.starts_at - pad, meeting.ends_at + pad, why


def _leg_busy(leg: TravelLeg, buffer: timedelta) -> tuple[datetime, datetime, str]:
    local_arrival = timezone.localtime(leg.arrives_at, leg.destination.zone)
    label = " ".join(part for part in (leg.carrier, leg.number) if part) or leg.get_mode_display().lower()
    kind = "flight" if leg.mode == TravelLeg.Mode.FLIGHT else leg.get_mode_display().lower()
    what = f"{kind} {label}" if label.lower() != kind else kind
    why = f"on {what} ({leg.origin.name} → {leg.destination.name}) until {_clock(local_arrival)}"
    if buffer:
        why += f", {buffer.seconds // 60} min more to get here"
    return leg.departs_at - buffer, leg.arrives_at + buffer, why


def itinerary_busy(session: Session, member_ids: set[int]) -> list[Busy]:
    """Where the session's sellers are, in the itinerary, around the session (its own meetings aside)."""
    delegation = session.delegation
    buffer = timedelta(minutes=delegation.travel_buffer_minutes)
    window_start, window_end = session.starts_at - buffer, session.ends_at + buffer
    everyone = set(member_ids)
    busy: list[Busy] = []
    meetings = (
        Meeting.objects.filter(delegation=delegation, starts_at__lt=window_end, ends_at__gt=window_start)
        .exclude(status=ItemStatus.CANCELLED)
        .exclude(b2b_placement__session=session)
        .select_related("city")
        .prefetch_related("attendees")
    )
    legs = (
        TravelLeg.objects.filter(
            delegation=delegation, departs_at__lt=window_end, arrives_at__gt=window_start
        )
        .exclude(status=ItemStatus.CANCELLED)
        .select_related("origin", "destination")
        .prefetch_related("attendees")
    )
    for item in [*meetings, *legs]:
        starts, ends, why = (
            _meeting_busy(item, session, buffer) if isinstance(item, Meeting) else _leg_busy(item, buffer)
        )
        attendees = {member.pk for member in item.attendees.all()} or everyone
        busy.extend(Busy(member_id, starts, ends, why) for member_id in attendees & everyone)
    return busy


def _ranges(slots: list[Slot], numbers) -> str:
    """Slot numbers → “14:00–14:40 and 15:20–16:00”, merging back-to-back slots."""
    runs: list[list[Slot]] = []
    for slot in slots:
        if slot.number not in numbers:
            continue
        if runs and runs[-1][-1].number == slot.number - 1 and runs[-1][-1].ends_at == slot.starts_at:
            runs[-1].append(slot)
        else:
            runs.append([slot])
    parts = [f"{run[0].local_start:%H:%M}–{run[-1].local_end:%H:%M}" for run in runs]
    return " and ".join(filter(None, [", ".join(parts[:-1]), parts[-1]])) if parts else "never"


class Availability:
    """Who is free in which slot, and why not, for one session."""

    def __init__(self, session: Session, participants: list[Participant], busy: list[Busy]):
        self.session = session
        self.slots = session.slots()
        self._free: dict[int, frozenset[int]] = {}
        self._free_members: dict[tuple[int, int], list[int]] = {}
        self._why: dict[tuple[int, int], str] = {}
        by_member = defaultdict(list)
        for item in busy:
            by_member[item.member_id].append(item)
        for participant in participants:
            self._add(participant, by_member)

    def _in_window(self, participant: Participant, slot: Slot) -> bool:
        start, end = participant.available_from, participant.available_until
        return (start is None or slot.local_start.time() >= start) and (
            end is None or slot.local_end.time() <= end or slot.local_end.date() > slot.local_start.date()
        )

    def _add(self, participant: Participant, by_member) -> None:
        free = set()
        members = [m for m in participant.members.all() if m.is_active] if participant.is_seller else []
        for slot in self.slots:
            key = (participant.pk, slot.number)
            if not self._in_window(participant, slot):
                since = f"{participant.available_from:%H:%M}" if participant.available_from else "the start"
                until = f"{participant.available_until:%H:%M}" if participant.available_until else "the end"
                self._why[key] = f"{participant.organisation.name} is available {since}–{until} only"
                continue
            if not participant.is_seller:
                free.add(slot.number)
                continue
            if not members:
                self._why[key] = f"nobody from {participant.organisation.name} is named to sit at the table"
                continue
            free_members, reasons = [], []
            for member in members:
                clash = next(
                    (
                        b
                        for b in by_member[member.pk]
                        if b.starts_at < slot.ends_at and slot.starts_at < b.ends_at
                    ),
                    None,
                )
                if clash is None:
                    free_members.append(member.pk)
                else:
                    reasons.append(f"{member.full_name} is {clash.why}")
            if free_members:
                free.add(slot.number)
                self._free_members[key] = free_members
            else:
                self._why[key] = "; ".join(reasons)
        self._free[participant.pk] = frozenset(free)

    def free_slots(self, participant_id: int) -> frozenset[int]:
        return self._free.get(participant_id, frozenset())

    def free_members(self, participant_id: int, slot: int) -> list[int]:
        """The seller's people free in that slot (empty for buyers and when nobody is)."""
        return self._free_members.get((participant_id, slot), [])

    def why_busy(self, participant_id: int, slot: int) -> str | None:
        """Why a participant cannot meet in that slot, in words; None when it can."""
        return self._why.get((participant_id, slot))

    def free_label(self, participant_id: int) -> str:
        return _ranges(self.slots, self.free_slots(participant_id))


def session_participants(session: Session) -> list[Participant]:
    return list(session.participants.select_related("organisation", "session").prefetch_related("members"))


def availability(session: Session, participants: list[Participant] | None = None) -> Availability:
    participants = participants if participants is not None else session_participants(session)
    member_ids = {m.pk for p in participants if p.is_seller for m in p.members.all()}
    return Availability(session, participants, itinerary_busy(session, member_ids))


def session_pairs(session: Session) -> dict[tuple[int, int], PairRequest]:
    requests = Request.objects.filter(session=session).select_related("requester", "target")
    return pairs_from_requests(requests)


@dataclass
class Prepared:
    """A problem and what its keys stand for."""

    problem: Problem
    pairs: dict[int, tuple[int, int]]  # pair key → (seller id, buyer id)


def build_problem(
    session: Session, *, mode: str = SOLVE_ALL, avail: Availability | None = None, time_limit_s=None
) -> Prepared:
    """The solver's view of the session. `fill` keeps every current meeting; `all` only pinned ones."""
    participants = session_participants(session)
    avail = avail or availability(session, participants)
    requested = session_pairs(session)
    placements = {(p.seller_id, p.buyer_id): p for p in session.placements.filter(slot__isnull=False)}
    keys: dict[int, tuple[int, int]] = {}
    pairs = []
    for ids in sorted(set(requested) | set(placements)):
        request, placement = requested.get(ids), placements.get(ids)
        weight = request.weight if request else 0
        kept = placement is not None and (placement.pinned or mode == SOLVE_FILL)
        if weight <= 0 and not kept:
            continue  # vetoed, or placed by hand without a request and not kept
        key = len(keys) + 1
        keys[key] = ids
        where = (placement.slot, placement.table) if placement else None
        pairs.append(
            Pair(
                key=key,
                seller=ids[0],
                buyer=ids[1],
                weight=max(weight, 1),
                fixed=where if kept else None,
                current=where,
            )
        )
    parties = {p.pk: Party(key=p.pk, free_slots=avail.free_slots(p.pk), cap=p.cap) for p in participants}
    problem = Problem(
        slots=tuple(slot.number for slot in avail.slots),
        tables=session.tables,
        parties=parties,
        pairs=tuple(pairs),
        time_limit_s=float(time_limit_s or session.time_limit_seconds),
    )
    return Prepared(problem, keys)


@transaction.atomic
def plan_apply(session: Session, prepared: Prepared, plan: Plan, *, since: datetime | None = None) -> dict:
    """Write the plan: placements move, appear or come off; rows (and meetings' UIDs) are kept.

    Placements edited by hand after `since` (while the solver ran) keep what staff made of them;
    the plan's meetings that would collide with them are left out. Returns what changed, counted
    as the difference between the grid before and after (`plan_difference`), and how many of the
    plan's meetings were left out.
    """
    Session.objects.select_for_update().filter(pk=session.pk).first()
    rows = {(p.seller_id, p.buyer_id): p for p in session.placements.all()}
    before = {ids: (row.slot, row.table) for ids, row in rows.items() if row.is_placed}
    edited = {ids for ids, p in rows.items() if since and p.updated_at > since}
    target = {prepared.pairs[key]: where for key, where in plan.placed.items()}
    taken_tables, taken_people = set(), set()
    for ids in edited:
        row = rows[ids]
        target.pop(ids, None)
        if row.is_placed:
            taken_tables.add((row.slot, row.table))
            taken_people.update({(row.slot, row.seller_id), (row.slot, row.buyer_id)})
    skipped = 0
    for ids, (slot, table) in list(target.items()):
        if (slot, table) in taken_tables or {(slot, ids[0]), (slot, ids[1])} & taken_people:
            del target[ids]
            skipped += 1
    now = timezone.now()
    changed: list[Placement] = []
    # Off the plan first, so the moves below never meet a unique constraint half-way.
    for ids, row in rows.items():
        if ids in edited:
            continue
        if row.is_placed and target.get(ids) != (row.slot, row.table):
            row.slot = row.table = None
            row.pinned, row.updated_at = False, now
            changed.append(row)
    if changed:
        Placement.objects.bulk_update(changed, ["slot", "table", "pinned", "updated_at"])
    moved, created = [], []
    for ids, (slot, table) in target.items():
        row = rows.get(ids)
        if row is None:
            created.append(
                Placement(session=session, seller_id=ids[0], buyer_id=ids[1], slot=slot, table=table)
            )
        elif (row.slot, row.table) != (slot, table):
            row.slot, row.table = slot, table
            moved.append(row)
    for row in moved:
        row.updated_at = now
    if moved:
        Placement.objects.bulk_update(moved, ["slot", "table", "updated_at"])
    created = Placement.objects.bulk_create(created)
    touched = {row.pk: row for row in [*changed, *moved, *created]}
    from matchmaking.itinerary_sync import sync_session_meetings

    sync_session_meetings(session, placements=list(touched.values()))
    return {**plan_difference(before, placed_where(session)), "skipped": skipped}


def placed_where(session: Session) -> dict[tuple[int, int], tuple[int, int]]:
    """The grid as it is: (seller id, buyer id) → (slot, table) of every placed meeting."""
    rows = session.placements.filter(slot__isnull=False).values_list("seller_id", "buyer_id", "slot", "table")
    return {(seller, buyer): (slot, table) for seller, buyer, slot, table in rows}


def plan_difference(before: dict, after: dict) -> dict[str, int]:
    """Meetings on the grid after and not before (added: new, or put back after being taken off),
    on it before and not after (removed), and on it in both at another slot or table (moved)."""
    return {
        "added": len(after.keys() - before.keys()),
        "moved": sum(1 for ids in after.keys() & before.keys() if after[ids] != before[ids]),
        "removed": len(before.keys() - after.keys()),
    }


@dataclass
class Unplaced:
    pair: PairRequest
    seller: Participant
    buyer: Participant
    reason: str


def unplaced_requests(session: Session, avail: Availability | None = None) -> list[Unplaced]:
    """Every requested pair without a meeting, with the reason in words (vetoes included)."""
    participants = {p.pk: p for p in session_participants(session)}
    avail = avail or availability(session, list(participants.values()))
    placed = list(session.placements.filter(slot__isnull=False).values_list("seller_id", "buyer_id", "slot"))
    placed_pairs = {(s, b) for s, b, _ in placed}
    meeting_in = defaultdict(set)
    per_slot = defaultdict(int)
    for seller, buyer, slot in placed:
        meeting_in[seller].add(slot)
        meeting_in[buyer].add(slot)
        per_slot[slot] += 1
    result = []
    for ids, pair in sorted(session_pairs(session).items(), key=lambda item: -item[1].weight):
        if ids in placed_pairs:
            continue
        seller, buyer = participants[ids[0]], participants[ids[1]]
        result.append(
            Unplaced(pair, seller, buyer, _reason(session, avail, pair, seller, buyer, meeting_in, per_slot))
        )
    return result


def over_cap(participant: Participant, meetings: int) -> str | None:
    """The warning for a participant given more meetings than its cap (by hand), or None."""
    cap = participant.cap
    if cap is None or meetings <= cap:
        return None
    return (
        f"{participant.organisation.name} has {meetings} meetings, past its cap of {cap}. "
        "The meeting is kept; take one off or raise the cap."
    )


def _reason(session, avail: Availability, pair, seller, buyer, meeting_in, per_slot) -> str:
    if pair.vetoed:
        return f"{pair.label[0].upper()}{pair.label[1:]}."
    common = avail.free_slots(seller.pk) & avail.free_slots(buyer.pk)
    if not common:
        whys = []
        for side in (seller, buyer):
            if avail.free_slots(side.pk):
                whys.append(f"{side.organisation.name} is free {avail.free_label(side.pk)}")
            else:
                first = next((avail.why_busy(side.pk, s.number) for s in avail.slots), None)
                whys.append(first or f"{side.organisation.name} is never free")
        return "No common free time: " + "; ".join(whys) + "."
    for side in (seller, buyer):
        if side.cap is not None and len(meeting_in[side.pk]) >= side.cap:
            return f"Cap reached: {side.organisation.name} already has its {side.cap} meetings."
    open_slots = [s for s in sorted(common) if s not in meeting_in[seller.pk] | meeting_in[buyer.pk]]
    if not open_slots:
        return "Both are in other meetings at every time they are both free."
    if all(per_slot[s] >= session.tables for s in open_slots):
        return f"Tables full: all {session.tables} tables are taken whenever both are free."
    return "It fits in a free slot: solve again or place it by hand."


def solve_start(session: Session, mode: str = SOLVE_ALL) -> bool:
    """Queue a solve for the background worker; False when one is already under way."""
    from matchmaking.tasks import solve_session

    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        stale = timezone.now() - timedelta(seconds=3 * locked.time_limit_seconds + 120)
        busy = locked.solve_state in (Session.SolveState.QUEUED, Session.SolveState.RUNNING)
        if busy and locked.solve_started_at and locked.solve_started_at > stale:
            return False
        Session.objects.filter(pk=session.pk).update(
            solve_state=Session.SolveState.QUEUED,
            solve_message="Waiting for the solver…",
            solve_started_at=timezone.now(),
            solve_finished_at=None,
        )
        transaction.on_commit(lambda: solve_session.enqueue(session_id=session.pk, mode=mode))
    return True


def solve_run(session: Session, mode: str = SOLVE_ALL) -> Plan:
    """Solve now, reporting progress on the session row, and write the plan."""
    from matchmaking.solver import solve

    started = timezone.now()
    since = (
        Session.objects.filter(pk=session.pk).values_list("solve_started_at", flat=True).first() or started
    )
    Session.objects.filter(pk=session.pk).update(
        solve_state=Session.SolveState.RUNNING, solve_message="Looking at who is free when…"
    )
    prepared = build_problem(session, mode=mode)

    def report(progress):
        Session.objects.filter(pk=session.pk).update(
            solve_message=f"Solving: weight {progress.weight} placed, at most {progress.bound} possible "
            f"({progress.elapsed_s:.0f} s)",
            placed_weight=progress.weight,
            best_bound=progress.bound,
        )

    plan = solve(prepared.problem, on_progress=report)
    counts = plan_apply(session, prepared, plan, since=since)
    placed = session.placements.filter(slot__isnull=False).count()
    requested = sum(1 for pair in session_pairs(session).values() if not pair.vetoed)
    proof = (
        "proven optimal" if plan.optimal or plan.gap == 0 else f"within {plan.gap:.1%} of the best possible"
    )
    message = (
        f"{placed} of {requested} requests placed (weight {plan.weight}, {proof}); "
        f"{counts['added']} added, {counts['moved']} moved, {counts['removed']} taken off"
    )
    if counts["skipped"]:
        message += f"; {counts['skipped']} left out where staff edited the grid meanwhile"
    Session.objects.filter(pk=session.pk).update(
        solve_state=Session.SolveState.DONE,
        solve_message=message[:300],
        solve_finished_at=timezone.now(),
        placed_weight=plan.weight,
        best_bound=plan.bound,
        greedy_weight=plan.greedy_weight,
    )
    return plan
