"""Who may take each kind of decision on a case. The API's permission table reads these sets
for its case actions (the first gate), and every workflow's update validators check the actor
of each command against them again (the second): a command that reached Temporal some other
way, with a valid payload but an actor whose role may not decide, is refused there.
"""

from __future__ import annotations

from enum import StrEnum

from kp_licensing.domain.errors import Forbidden
from schemas.common import SYSTEM_ACTOR, Actor, Role


class Authority(StrEnum):
    #: Request information, approve, reject; record what customs found; resolve an incident.
    decide = "decide"
    #: Suspend, reinstate, cancel.
    change_standing = "change_standing"
    #: Answer, renew, withdraw, surrender: the case's own operator's traders.
    holder = "holder"
    #: Hold and release shipment cases: officers, or the service itself on their behalf.
    hold = "hold"
    #: Report what customs did with a shipment (its responses to a declaration).
    customs = "customs"


STAFF = frozenset({Role.officer, Role.supervisor})

ROLES: dict[Authority, frozenset[Role]] = {
    Authority.decide: STAFF,
    Authority.change_standing: frozenset({Role.supervisor}),
    Authority.holder: frozenset({Role.trader}),
    Authority.hold: STAFF,
    Authority.customs: frozenset({Role.customs}),
}


def refuse_replay(actor: Actor, case_no: str) -> None:
    """A command sent with another update than the one it was made for: a copy of an earlier
    one (``schemas.common.Sent``)."""
    raise Forbidden("forbidden.command_replayed", role=actor.role.value, case_no=case_no)


def check(actor: Actor, authority: Authority, *, operator_id: int, case_no: str) -> None:
    """Refuse (403) an actor whose role may not take this kind of decision, or a trader acting
    on another operator's case."""
    if authority is Authority.hold and actor == SYSTEM_ACTOR:
        return
    if actor.role not in ROLES[authority]:
        roles = sorted(role.value for role in ROLES[authority])
        raise Forbidden(
            "forbidden.case_decision",
            role=actor.role.value,
            case_no=case_no,
            who=" and ".join(roles),
        )
    if authority is Authority.holder and actor.operator_id != operator_id:
        raise Forbidden("forbidden.not_the_holder", role=actor.role.value, case_no=case_no)
