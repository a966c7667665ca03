"""The deploy/ folder as the tests read it: kustomize's rendering and the fleet's config."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
FLEET_CONFIG = DEPLOY / "k8s" / "base" / "c360.yaml"
KUBERNETES = "1.32.0"  # the API version the manifests are validated against

_REQUIRED = re.compile(r"\$\{(\w+)\}")  # ${VAR} with no default


def render(overlay: str) -> list[dict[str, Any]]:
    """``kubectl kustomize deploy/k8s/overlays/<overlay>``, as documents."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise AssertionError(
            "kubectl not found: install Debian's kubernetes-client (scripts/install does)"
        )
    done = subprocess.run(
        [kubectl, "kustomize", str(DEPLOY / "k8s" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def one(documents: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def required_variables(config_text: str) -> set[str]:
    """The environment variables a config needs: those it names without a default."""
    return set(_REQUIRED.findall(config_text))
