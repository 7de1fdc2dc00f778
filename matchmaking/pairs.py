"""Requests → pairs: one seller and one buyer, with the weight the solver maximises.

A request from one side weighs by its priority; a request made by both sides is mutual and weighs
more than any one-sided request (even two "must"s together); a veto from either side rules the
pair out, whatever the other side asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matchmaking.models import Priority

PRIORITY_WEIGHT = {Priority.MUST: 9, Priority.WANT: 3, Priority.COULD: 1}
MUTUAL_BONUS = 20  # mutual weight = 20 + both sides' weights: 22 (could, could) … 38 (must, must)


@dataclass
class PairRequest:
    """Everything asked about one (seller, buyer) pair."""

    seller_id: int
    buyer_id: int
    seller_priority: str | None = None  # what the seller asked, if anything
    buyer_priority: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def vetoed(self) -> bool:
        return Priority.VETO in (self.seller_priority, self.buyer_priority)

    @property
    def mutual(self) -> bool:
        return not self.vetoed and self.seller_priority is not None and self.buyer_priority is not None

    @property
    def weight(self) -> int:
        if self.vetoed:
            return 0
        sides = [PRIORITY_WEIGHT[p] for p in (self.seller_priority, self.buyer_priority) if p is not None]
        return MUTUAL_BONUS + sum(sides) if len(sides) == 2 else sum(sides)

    @property
    def label(self) -> str:
        """“mutual”, “must (seller)”, “vetoed by the buyer”…"""
        if self.vetoed:
            who = [
                s
                for s, p in (("seller", self.seller_priority), ("buyer", self.buyer_priority))
                if p == Priority.VETO
            ]
            return f"vetoed by the {' and the '.join(who)}"
        if self.mutual:
            return "mutual"
        side, priority = (
            ("seller", self.seller_priority) if self.seller_priority else ("buyer", self.buyer_priority)
        )
        return f"{Priority(priority).label.lower()} ({side})"


def pairs_from_requests(requests) -> dict[tuple[int, int], PairRequest]:
    """Fold requests (with requester and target loaded) into pairs keyed by (seller id, buyer id)."""
    pairs: dict[tuple[int, int], PairRequest] = {}
    for request in requests:
        seller, buyer = (
            (request.requester, request.target)
            if request.requester.is_seller
            else (request.target, request.requester)
        )
        pair = pairs.setdefault((seller.pk, buyer.pk), PairRequest(seller.pk, buyer.pk))
        if request.requester.is_seller:
            pair.seller_priority = request.priority
        else:
            pair.buyer_priority = request.priority
        if request.note:
            pair.notes.append(request.note)
    return pairs
