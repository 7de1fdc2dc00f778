"""Background work for matchmaking: the solver runs in the task worker, not in a web request."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def solve_session(session_id: int, mode: str) -> str:
    from django.utils import timezone

    from matchmaking.models import Session
    from matchmaking.planning import solve_run

    session = Session.objects.select_related("delegation", "city").filter(pk=session_id).first()
    if session is None:
        return "session gone"
    try:
        plan = solve_run(session, mode)
    except Exception:
        logger.exception("Solving B2B session %s failed", session_id)
        Session.objects.filter(pk=session_id).update(
            solve_state=Session.SolveState.FAILED,
            solve_message="The solver stopped with an error; the plan is unchanged. Try again, or tell us.",
            solve_finished_at=timezone.now(),
        )
        raise
    return f"placed weight {plan.weight} of at most {plan.bound}"
