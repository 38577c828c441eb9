"""The workflow id of each kind of case, from its case number: what the API, the activities and
the workflows agree on (a number's idempotency key is built on it too)."""

from __future__ import annotations


def licence_workflow_id(case_no: str) -> str:
    return f"licence-{case_no}"


def permit_workflow_id(case_no: str) -> str:
    return f"permit-{case_no}"


def certificate_workflow_id(case_no: str) -> str:
    """The KP certificate of export case ``case_no`` (one process per export)."""
    return f"certificate-{case_no}"


def customs_delivery_workflow_id(message_id: str) -> str:
    """The pushing of declaration ``message_id`` to customs (one process per message)."""
    return f"customs-delivery-{message_id}"
