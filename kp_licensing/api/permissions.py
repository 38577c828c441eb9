"""Who may do what: the single table every endpoint consults, and the role-matrix test reads.

Supervisors are senior officers: they may do everything an officer does, and alone may suspend,
reinstate and cancel. Customs systems and administrators see no licence cases: customs only
checks a licence by its number, administrators manage accounts. Only officers (and so
supervisors) edit the Participant registry and the list of invalid foreign certificates.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from kp_licensing.domain import authority
from kp_licensing.domain.authority import Authority
from kp_licensing.domain.errors import Forbidden
from schemas.common import Role


class Action(StrEnum):
    view_cases = "view_cases"
    apply = "apply"
    answer = "answer"
    renew = "renew"
    withdraw = "withdraw"
    surrender = "surrender"
    decide = "decide"  # request information, approve, reject
    change_standing = "change_standing"  # suspend, reinstate, cancel (licences)
    check_licence = "check_licence"
    check_shipment_licence = "check_shipment_licence"
    upload = "upload"
    view_documents = "view_documents"
    notifications = "notifications"
    manage_colleagues = "manage_colleagues"
    change_password = "change_password"
    manage_users = "manage_users"
    view_registry = "view_registry"  # Participant registry, invalid foreign certificates
    manage_registry = "manage_registry"
    read_audit = "read_audit"
    decode_payloads = "decode_payloads"
    #: Pull declarations, acknowledge them, send responses: customs systems.
    exchange_with_customs = "exchange_with_customs"


#: How each action is refused: "<role> accounts may not <do it>; only <who> accounts may".
REFUSALS: dict[Action, Callable[[str, str], Forbidden]] = {
    Action.view_cases: lambda role, who: Forbidden("forbidden.view_cases", role=role, who=who),
    Action.apply: lambda role, who: Forbidden("forbidden.apply", role=role, who=who),
    Action.answer: lambda role, who: Forbidden("forbidden.answer", role=role, who=who),
    Action.renew: lambda role, who: Forbidden("forbidden.renew", role=role, who=who),
    Action.withdraw: lambda role, who: Forbidden("forbidden.withdraw", role=role, who=who),
    Action.surrender: lambda role, who: Forbidden("forbidden.surrender", role=role, who=who),
    Action.decide: lambda role, who: Forbidden("forbidden.decide", role=role, who=who),
    Action.change_standing: lambda role, who: Forbidden(
        "forbidden.change_standing", role=role, who=who
    ),
    Action.check_licence: lambda role, who: Forbidden(
        "forbidden.check_licence", role=role, who=who
    ),
    Action.check_shipment_licence: lambda role, who: Forbidden(
        "forbidden.check_shipment_licence", role=role, who=who
    ),
    Action.upload: lambda role, who: Forbidden("forbidden.upload", role=role, who=who),
    Action.view_documents: lambda role, who: Forbidden(
        "forbidden.view_documents", role=role, who=who
    ),
    Action.notifications: lambda role, who: Forbidden(
        "forbidden.notifications", role=role, who=who
    ),
    Action.manage_colleagues: lambda role, who: Forbidden(
        "forbidden.manage_colleagues", role=role, who=who
    ),
    Action.manage_users: lambda role, who: Forbidden("forbidden.manage_users", role=role, who=who),
    Action.change_password: lambda role, who: Forbidden(
        "forbidden.change_password", role=role, who=who
    ),
    Action.view_registry: lambda role, who: Forbidden(
        "forbidden.view_registry", role=role, who=who
    ),
    Action.manage_registry: lambda role, who: Forbidden(
        "forbidden.manage_registry", role=role, who=who
    ),
    Action.read_audit: lambda role, who: Forbidden("forbidden.read_audit", role=role, who=who),
    Action.decode_payloads: lambda role, who: Forbidden(
        "forbidden.decode_payloads", role=role, who=who
    ),
    Action.exchange_with_customs: lambda role, who: Forbidden(
        "forbidden.exchange_with_customs", role=role, who=who
    ),
}

STAFF = set(authority.STAFF)

PERMISSIONS: dict[Action, set[Role]] = {
    Action.view_cases: {Role.trader, *STAFF},
    Action.apply: {Role.trader},
    Action.answer: set(authority.ROLES[Authority.holder]),
    Action.renew: set(authority.ROLES[Authority.holder]),
    Action.withdraw: set(authority.ROLES[Authority.holder]),
    Action.surrender: set(authority.ROLES[Authority.holder]),
    Action.decide: set(authority.ROLES[Authority.decide]),  # the workflows check these again
    Action.change_standing: set(authority.ROLES[Authority.change_standing]),
    Action.check_licence: {Role.trader, Role.customs, *STAFF},
    Action.check_shipment_licence: {Role.trader, Role.customs, *STAFF},
    Action.upload: {Role.trader},
    Action.view_documents: {Role.trader, *STAFF},
    Action.notifications: {Role.trader},
    Action.manage_colleagues: {Role.trader},
    Action.change_password: {Role.trader, *STAFF, Role.admin},  # customs systems use keys
    Action.manage_users: {Role.admin},
    Action.view_registry: {Role.trader, Role.customs, *STAFF},
    Action.manage_registry: set(STAFF),
    Action.read_audit: {Role.admin, Role.supervisor},
    # Histories hold every operator's data: those who see every case (not administrators).
    Action.decode_payloads: set(STAFF),
    Action.exchange_with_customs: set(authority.ROLES[Authority.customs]),
}


def allowed(role: Role, action: Action) -> bool:
    return role in PERMISSIONS[action]


def refusal(role: Role, action: Action) -> Forbidden:
    """Why ``role`` is refused ``action``, and which accounts may do it instead."""
    roles = sorted(r.value for r in PERMISSIONS[action])
    who = roles[0] if len(roles) == 1 else f"{', '.join(roles[:-1])} and {roles[-1]}"
    return REFUSALS[action](role.value, who)
