"""The Kubernetes manifests, rendered by kustomize and validated against the API's schemas,
offline; and what a fleet's Deployment must hold."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest
import yaml

from gateway.cli import SHUTDOWN_GRACE
from gateway.config import ServerSettings, parse_settings
from tests.deploy.manifests import FLEET_CONFIG, KUBERNETES, ROOT, one, render, required_variables

SECRETS = {"redis-url", "database-url", "jwt-secret", "dealer-api-key", "crm-webhook-secret"}


@pytest.mark.parametrize("overlay", ["demo", "production"])
def test_an_overlay_renders_and_every_resource_validates(overlay: str) -> None:
    documents = render(overlay)
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES, strict=True)
    kinds = {d["kind"] for d in documents}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"} <= kinds
    assert "ConfigMap" in kinds


def gateway_pod(overlay: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    documents = render(overlay)
    return documents, one(documents, "Deployment", "c360")["spec"]["template"]


def test_the_production_gateway_is_probed_bounded_and_locked_down() -> None:
    _, pod = gateway_pod("production")
    spec = pod["spec"]
    (container,) = spec["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert set(container["resources"]["requests"]) == {"cpu", "memory"}
    assert spec["securityContext"]["runAsNonRoot"] is True
    locked = container["securityContext"]
    assert locked["readOnlyRootFilesystem"] is True and locked["allowPrivilegeEscalation"] is False
    assert pod["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
    assert pod["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
    # the pause before SIGTERM, then the time a gateway gives requests in flight, then a margin
    assert spec["terminationGracePeriodSeconds"] > SHUTDOWN_GRACE + 5
    assert ServerSettings().deadline < SHUTDOWN_GRACE


def test_the_production_secrets_are_referenced_never_written() -> None:
    documents, pod = gateway_pod("production")
    (container,) = pod["spec"]["containers"]
    refs = [e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e]
    names, keys = {ref["name"] for ref in refs}, {ref["key"] for ref in refs}
    assert names == {"c360-secrets"} and keys == SECRETS
    assert [d for d in documents if d["kind"] == "Secret"] == []


def test_every_variable_the_config_needs_reaches_the_gateway_pod() -> None:
    documents, pod = gateway_pod("production")
    (container,) = pod["spec"]["containers"]
    config_map = next(d for d in documents if d["metadata"]["name"].startswith("c360-config"))
    text = config_map["data"]["c360.yaml"]
    assert set(config_map["data"]) == {"c360.yaml", "identity-model.yaml"}
    given = {e["name"] for e in container["env"]}
    for source in container["envFrom"]:
        name = source["configMapRef"]["name"]
        given |= set(next(d for d in documents if d["metadata"]["name"] == name)["data"])
    assert required_variables(text) <= given
    assert text == FLEET_CONFIG.read_text()


def test_the_fleet_config_serves_the_demo_estate_with_nothing_in_memory() -> None:
    from gateway.shared_state import fleet_warnings

    environ = {
        "REDIS_URL": "redis://redis:6379/0",
        "DATABASE_URL": "postgresql+asyncpg://c360@postgres/c360",
        "JWT_SECRET": "x" * 32,
        "C360_DEMO_DATA": "/data",
    }
    settings = parse_settings(FLEET_CONFIG.read_text(), path=FLEET_CONFIG, environ=environ)
    assert settings.server.replicas == 3 and fleet_warnings(settings, 3) == []
    fleet = yaml.safe_load(FLEET_CONFIG.read_text())
    demo = yaml.safe_load((ROOT / "demo" / "c360.yaml").read_text())
    for block in ("sources", "identity", "survivorship"):
        assert fleet[block] == demo[block], f"{block} differs from demo/c360.yaml"
    model = demo["identity"]["matching"]["model"]
    assert (FLEET_CONFIG.parent / model).read_bytes() == (ROOT / "demo" / model).read_bytes()
