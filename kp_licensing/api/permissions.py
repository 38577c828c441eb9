"""Who may do what: the single table every endpoint consults, and the role-matrix test reads.

Supervisors are senior officers: they may do everything an officer does, and alone may suspend,
reinstate and cancel. Customs systems and administrators see no licence cases: customs only
checks a licence by its number, administrators manage accounts. Only officers (and so
supervisors) edit the Participant registry and the list of invalid foreign certificates.
"""

from __future__ import annotations

from enum import StrEnum

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
    manage_users = "manage_users"
    view_registry = "view_registry"  # Participant registry, invalid foreign certificates
    manage_registry = "manage_registry"


#: What each action is, in the words of a refusal: "<role> accounts may not <phrase>".
PHRASES: dict[Action, str] = {
    Action.view_cases: "view licence cases",
    Action.apply: "apply for licences",
    Action.answer: "answer information requests",
    Action.renew: "renew licences",
    Action.withdraw: "withdraw applications",
    Action.surrender: "surrender licences",
    Action.decide: "act on cases as an officer (request information, approve, reject, "
    "record arrivals and exits)",
    Action.change_standing: "suspend, reinstate or cancel licences",
    Action.check_licence: "check licences by number",
    Action.check_shipment_licence: "check shipment licences by number",
    Action.upload: "upload documents",
    Action.view_documents: "view documents",
    Action.notifications: "read notifications",
    Action.manage_colleagues: "manage their operator's accounts",
    Action.manage_users: "manage user accounts",
    Action.view_registry: "view the KP Participant registry or the invalid certificates",
    Action.manage_registry: "change the KP Participant registry or the invalid certificates",
}

STAFF = {Role.officer, Role.supervisor}

PERMISSIONS: dict[Action, set[Role]] = {
    Action.view_cases: {Role.trader, *STAFF},
    Action.apply: {Role.trader},
    Action.answer: {Role.trader},
    Action.renew: {Role.trader},
    Action.withdraw: {Role.trader},
    Action.surrender: {Role.trader},
    Action.decide: set(STAFF),
    Action.change_standing: {Role.supervisor},
    Action.check_licence: {Role.trader, Role.customs, *STAFF},
    Action.check_shipment_licence: {Role.trader, Role.customs, *STAFF},
    Action.upload: {Role.trader},
    Action.view_documents: {Role.trader, *STAFF},
    Action.notifications: {Role.trader},
    Action.manage_colleagues: {Role.trader},
    Action.manage_users: {Role.admin},
    Action.view_registry: {Role.trader, Role.customs, *STAFF},
    Action.manage_registry: set(STAFF),
}


def allowed(role: Role, action: Action) -> bool:
    return role in PERMISSIONS[action]


def refusal(role: Role, action: Action) -> str:
    """Why ``role`` is refused ``action``, and which accounts may do it instead."""
    roles = sorted(r.value for r in PERMISSIONS[action])
    who = roles[0] if len(roles) == 1 else f"{', '.join(roles[:-1])} and {roles[-1]}"
    return f"{role.value} accounts may not {PHRASES[action]}; only {who} accounts may"
