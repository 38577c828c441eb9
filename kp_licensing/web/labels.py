"""The words for the values a page shows: statuses, kinds, activities, roles, documents, the
steps of a case's history. Each is a catalogue code written out here (Babel finds only literal
codes), so every value is said in the visitor's language like any sentence. A value with no
label (a step added to a workflow and not yet here) is shown as it is, never hidden; a test
holds every enum of the contracts to a label."""

from __future__ import annotations

from enum import Enum

from kp_licensing.api.language import LOCALE
from kp_licensing.support.catalogue import render
from schemas.messages import Message, say

LABELS: dict[str, dict[str, Message]] = {
    "status": {
        # Licences, shipment cases and certificates share their status words.
        "under_review": say("label.status.under_review"),
        "info_requested": say("label.status.info_requested"),
        "active": say("label.status.active"),
        "suspended": say("label.status.suspended"),
        "rejected": say("label.status.rejected"),
        "lapsed": say("label.status.lapsed"),
        "withdrawn": say("label.status.withdrawn"),
        "expired": say("label.status.expired"),
        "cancelled": say("label.status.cancelled"),
        "surrendered": say("label.status.surrendered"),
        "on_hold": say("label.status.on_hold"),
        "approved": say("label.status.approved"),
        "in_transit": say("label.status.in_transit"),
        "discrepancy": say("label.status.discrepancy"),
        "cleared": say("label.status.cleared"),
        "completed": say("label.status.completed"),
        "used": say("label.status.used"),
        "pending": say("label.status.pending"),
        "valid": say("label.status.valid"),
        "confirmed": say("label.status.confirmed"),
        "voided": say("label.status.voided"),
        "not_issued": say("label.status.not_issued"),
    },
    "kind": {
        "import": say("label.kind.import"),
        "export": say("label.kind.export"),
        "transit": say("label.kind.transit"),
    },
    "activity": {
        "import": say("label.activity.import"),
        "export": say("label.activity.export"),
        "transit": say("label.activity.transit"),
        "purchase": say("label.activity.purchase"),
        "sale": say("label.activity.sale"),
        "transport": say("label.activity.transport"),
    },
    "outcome": {
        "passed": say("label.outcome.passed"),
        "failed": say("label.outcome.failed"),
        "flagged": say("label.outcome.flagged"),
    },
    "role": {
        "trader": say("label.role.trader"),
        "officer": say("label.role.officer"),
        "supervisor": say("label.role.supervisor"),
        "customs": say("label.role.customs"),
        "admin": say("label.role.admin"),
    },
    "document": {
        "business_registration": say("label.document.business_registration"),
        "tax_start_of_activity": say("label.document.tax_start_of_activity"),
        "administrator_identity": say("label.document.administrator_identity"),
        "criminal_record": say("label.document.criminal_record"),
        "establishment_proof": say("label.document.establishment_proof"),
        "commercial_invoice": say("label.document.commercial_invoice"),
        "transport_document": say("label.document.transport_document"),
        "foreign_certificate": say("label.document.foreign_certificate"),
        "import_confirmation": say("label.document.import_confirmation"),
        "answer": say("label.document.answer"),
    },
    "queue": {
        "all": say("label.queue.all"),
        "licence": say("label.queue.licence"),
        "import": say("label.queue.import"),
        "export": say("label.queue.export"),
        "transit": say("label.queue.transit"),
        "certificate": say("label.queue.certificate"),
    },
    "participant_status": {
        "active": say("label.participant_status.active"),
        "self_suspended": say("label.participant_status.self_suspended"),
        "restricted": say("label.participant_status.restricted"),
        "not_participant": say("label.participant_status.not_participant"),
    },
    "invalidity": {
        "forged": say("label.invalidity.forged"),
        "invalid": say("label.invalidity.invalid"),
    },
    "method": {
        "email": say("label.method.email"),
        "courier": say("label.method.courier"),
        "kp_portal": say("label.method.kp_portal"),
        "fax": say("label.method.fax"),
        "other": say("label.method.other"),
    },
    "reason_code": {
        "order_of_trade": say("label.reason_code.order_of_trade"),
        "criminal_conviction": say("label.reason_code.criminal_conviction"),
        "tax_debt": say("label.reason_code.tax_debt"),
        "insolvency": say("label.reason_code.insolvency"),
        "establishment_lost": say("label.reason_code.establishment_lost"),
        "false_declaration": say("label.reason_code.false_declaration"),
        "other": say("label.reason_code.other"),
    },
    "customs": {
        "received": say("label.customs.received"),
        "accepted": say("label.customs.accepted"),
        "rejected": say("label.customs.rejected"),
        "released": say("label.customs.released"),
        "held": say("label.customs.held"),
        "discrepancy": say("label.customs.discrepancy"),
    },
    "step": {
        "submitted": say("label.step.submitted"),
        "information_requested": say("label.step.information_requested"),
        "information_provided": say("label.step.information_provided"),
        "approved": say("label.step.approved"),
        "renewed": say("label.step.renewed"),
        "rejected": say("label.step.rejected"),
        "withdrawn": say("label.step.withdrawn"),
        "surrendered": say("label.step.surrendered"),
        "lapsed": say("label.step.lapsed"),
        "expired": say("label.step.expired"),
        "suspended": say("label.step.suspended"),
        "suspension_ended": say("label.step.suspension_ended"),
        "reinstated": say("label.step.reinstated"),
        "cancelled": say("label.step.cancelled"),
        "renewal_submitted": say("label.step.renewal_submitted"),
        "renewal_information_requested": say("label.step.renewal_information_requested"),
        "renewal_rejected": say("label.step.renewal_rejected"),
        "renewal_withdrawn": say("label.step.renewal_withdrawn"),
        "renewal_lapsed": say("label.step.renewal_lapsed"),
        "renewal_reminder": say("label.step.renewal_reminder"),
        "held": say("label.step.held"),
        "released": say("label.step.released"),
        "arrived": say("label.step.arrived"),
        "entered": say("label.step.entered"),
        "left": say("label.step.left"),
        "exit_overdue": say("label.step.exit_overdue"),
        "accepted_as_found": say("label.step.accepted_as_found"),
        "refused_as_found": say("label.step.refused_as_found"),
        "departed": say("label.step.departed"),
        "used": say("label.step.used"),
        "licence_changed": say("label.step.licence_changed"),
        "certificate_changed": say("label.step.certificate_changed"),
        "fee_paid": say("label.step.fee_paid"),
        "issued": say("label.step.issued"),
        "not_issued": say("label.step.not_issued"),
        "voided": say("label.step.voided"),
        "replaced": say("label.step.replaced"),
        "confirmed": say("label.step.confirmed"),
        "confirmation_reminder": say("label.step.confirmation_reminder"),
        "confirmation_escalated": say("label.step.confirmation_escalated"),
        "declared_to_customs": say("label.step.declared_to_customs"),
        "customs_declaration_failed": say("label.step.customs_declaration_failed"),
        "customs_received": say("label.step.customs_received"),
        "customs_accepted": say("label.step.customs_accepted"),
        "customs_rejected": say("label.step.customs_rejected"),
        "customs_released": say("label.step.customs_released"),
        "customs_held": say("label.step.customs_held"),
        "customs_discrepancy": say("label.step.customs_discrepancy"),
        "customs_out_of_turn": say("label.step.customs_out_of_turn"),
    },
}


def label(group: str, value: object) -> str:
    """``value`` (an enum or its value) in the visitor's language."""
    key = value.value if isinstance(value, Enum) else str(value)
    message = LABELS.get(group, {}).get(key)
    return render(message, LOCALE.get()) if message is not None else key
