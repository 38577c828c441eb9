"""The NetworkPolicies of deploy/kubernetes select the pods the other manifests make, and let
only the service's api and worker pods reach Temporal, and only the service's pods (and
Temporal's server) reach PostgreSQL; the service's pods reach nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

KUBERNETES = Path(__file__).resolve().parents[1] / "deploy" / "kubernetes"


def _documents(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((KUBERNETES / name).read_text()) if d]


POLICIES = {p["metadata"]["name"]: p["spec"] for p in _documents("networkpolicy.yaml")}


def _pod_labels() -> dict[str, dict[str, str]]:
    labels = {}
    for name in ("api.yaml", "worker.yaml", "jobs/migrate.yaml"):
        for document in _documents(name):
            if document["kind"] in ("Deployment", "Job"):
                template = document["spec"]["template"]["metadata"]["labels"]
                labels[template["app.kubernetes.io/component"]] = template
    return labels


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    return all(
        labels.get(e["key"]) in e["values"]
        for e in selector.get("matchExpressions", [])
        if e["operator"] == "In"
    )


def test_the_service_policies_apply_to_every_pod_the_manifests_make() -> None:
    pods = _pod_labels()
    assert set(pods) == {"api", "worker", "migrate"}
    for name in ("kp-licensing-ingress", "kp-licensing-egress"):
        assert all(_selects(POLICIES[name]["podSelector"], labels) for labels in pods.values())


def test_the_service_pods_reach_only_dns_temporal_and_the_database() -> None:
    ports = {
        port["port"] for rule in POLICIES["kp-licensing-egress"]["egress"] for port in rule["ports"]
    }
    assert ports == {53, 7233, 5432}
    assert POLICIES["kp-licensing-egress"]["policyTypes"] == ["Egress"]


def test_only_the_api_and_the_worker_reach_temporal() -> None:
    pods = _pod_labels()
    outside = [
        peer
        for rule in POLICIES["temporal-frontend-from-kp-licensing"]["ingress"]
        for peer in rule["from"]
        if "namespaceSelector" in peer
    ]
    assert len(outside) == 1
    allowed = {c for c, labels in pods.items() if _selects(outside[0]["podSelector"], labels)}
    assert allowed == {"api", "worker"}


def test_only_the_service_and_temporal_reach_the_database() -> None:
    peers = [
        peer
        for rule in POLICIES["postgresql-from-kp-licensing"]["ingress"]
        for peer in rule["from"]
    ]
    names = {peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for peer in peers}
    assert names == {"kp-licensing", "temporal"}
    assert all("namespaceSelector" in peer for peer in peers)


def test_the_api_takes_requests_on_its_container_port_only() -> None:
    [rule] = POLICIES["kp-licensing-ingress"]["ingress"]
    [port] = rule["ports"]
    api = next(d for d in _documents("api.yaml") if d["kind"] == "Deployment")
    container = api["spec"]["template"]["spec"]["containers"][0]
    assert port["port"] == container["ports"][0]["containerPort"]
