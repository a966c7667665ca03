"""deploy/compose.yaml: three gateways over one Redis and one PostgreSQL behind haproxy, each
given what the fleet's config needs. (Read, not run: the tests have no container engine; the
same config and haproxy.cfg run for real in tests/deploy/test_fleet.py.)"""

from __future__ import annotations

from typing import Any

import yaml

from tests.deploy.manifests import DEPLOY, FLEET_CONFIG, required_variables


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def test_three_gateways_share_one_config_redis_and_postgresql() -> None:
    services = compose()["services"]
    gateways = [services[f"gateway-{n}"] for n in (1, 2, 3)]
    assert gateways[0] == gateways[1] == gateways[2]
    (mount,) = [v for v in gateways[0]["volumes"] if v.endswith(":/etc/c360:ro")]
    assert (DEPLOY / mount.split(":")[0]).resolve() == FLEET_CONFIG.parent
    environment = gateways[0]["environment"]
    assert required_variables(FLEET_CONFIG.read_text()) <= set(environment)
    assert environment["REDIS_URL"].startswith("redis://redis:")
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert {"redis", "postgres", "crm", "service-desk", "dealer", "campaigns"} <= set(services)


def test_haproxy_is_debians_and_balances_the_three_gateways() -> None:
    haproxy = compose()["services"]["haproxy"]
    folder = DEPLOY / haproxy["build"]["context"]
    dockerfile = (folder / "Dockerfile").read_text()
    assert "FROM debian:" in dockerfile and "apt-get install" in dockerfile
    config = (folder / "haproxy.cfg").read_text()
    for n in (1, 2, 3):
        assert f'server gateway-{n} "${{GATEWAY_{n}}}" check' in config
        assert haproxy["environment"][f"GATEWAY_{n}"] == f"gateway-{n}:8000"
