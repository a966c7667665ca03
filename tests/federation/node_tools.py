"""The node tools of the federation tests: Apollo's composition library and Hive Gateway.

``scripts/install`` installs them from npm, pinned by ``node/package-lock.json``, once per
machine and lock file, into ``$C360_NODE_TOOLS`` (``~/.cache/c360/node-tools``) under the
lock file's hash; every checkout with the same lock file shares them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

PINNED = Path(__file__).parent / "node"
_LOCK = hashlib.sha256((PINNED / "package-lock.json").read_bytes()).hexdigest()[:16]
_HOME = os.environ.get("C360_NODE_TOOLS") or str(Path.home() / ".cache" / "c360" / "node-tools")
NODE_DIR = Path(_HOME) / _LOCK
HIVE = NODE_DIR / "node_modules" / ".bin" / "hive-gateway"
COMPOSITION = NODE_DIR / "node_modules" / "@apollo" / "composition" / "package.json"


def require_node_tools() -> str:
    """The ``node`` executable; the test fails, saying what to install, when a tool is absent."""
    node = shutil.which("node")
    missing = []
    if node is None:
        missing.append("node (Debian package nodejs, or nodejs.org)")
    if not COMPOSITION.exists():
        missing.append(f"@apollo/composition in {NODE_DIR}")
    if not HIVE.exists():
        missing.append(f"@graphql-hive/gateway in {NODE_DIR}")
    if missing or node is None:
        pytest.fail(
            "the federation tests need " + "; ".join(missing) + ". Run scripts/install "
            f"(it runs `npm ci` with {PINNED / 'package-lock.json'} in {NODE_DIR}).",
            pytrace=False,
        )
    return node


def compose(node: str, subgraphs: dict[str, str], files: dict[str, Path] | None = None) -> str:
    """The supergraph SDL Apollo's composition makes of subgraphs (name -> URL), each read from
    its ``_service { sdl }``, or from its SDL file in ``files``."""
    script = NODE_DIR / f"compose-{os.getpid()}.mjs"  # beside node_modules: imports resolve
    shutil.copyfile(PINNED / "compose.mjs", script)
    given = files or {}
    arguments = [
        f"{name}={url}" + (f"={given[name]}" if name in given else "")
        for name, url in subgraphs.items()
    ]
    try:
        done = subprocess.run(
            [node, str(script), *arguments],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        script.unlink(missing_ok=True)
    assert done.returncode == 0, f"composition failed:\n{done.stderr}"
    return done.stdout


@contextlib.contextmanager
def hive_gateway(supergraph: Path, port: int, config: Path | None = None) -> Iterator[str]:
    """Hive Gateway serving ``supergraph`` on 127.0.0.1:``port``, with its ``config`` file if
    given; yields its GraphQL URL."""
    log = supergraph.with_suffix(".log")
    options = ["--config-path", str(config)] if config is not None else []
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(str(HIVE), "supergraph", str(supergraph), *options),
                *("--host", "127.0.0.1", "--port", str(port)),
            ],
            cwd=NODE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/readiness", timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Hive Gateway did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield f"{url}/graphql"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
