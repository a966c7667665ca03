"""A fleet on 127.0.0.1: N ``c360 serve`` processes over deploy/'s config, sharing one Redis
and one PostgreSQL, behind haproxy with deploy/'s haproxy.cfg."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
FLEET_CONFIG = ROOT / "deploy" / "k8s" / "base" / "c360.yaml"
HAPROXY_CONFIG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"


def wait_until_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    """Until ``url`` answers 200; fails at once when the process has exited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {seconds:g} s")


@dataclass
class Fleet:
    """``environ``: what every gateway and ``c360`` command of the fleet runs with."""

    environ: dict[str, str]
    folder: Path
    size: int = 3
    ports: list[int] = field(default_factory=list)
    gateways: list[subprocess.Popen[bytes]] = field(default_factory=list)
    haproxy: subprocess.Popen[bytes] | None = None
    balancer_port: int = 0
    logs: list[IO[bytes]] = field(default_factory=list)

    @property
    def urls(self) -> list[str]:
        """Each gateway's own address, bypassing the load balancer."""
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    @property
    def config(self) -> Path:
        return FLEET_CONFIG

    @property
    def balancer(self) -> str:
        return f"http://127.0.0.1:{self.balancer_port}"

    def c360(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A ``c360`` command over the fleet's config and environment."""
        return subprocess.run(
            [sys.executable, "-m", "gateway.cli", *args],
            cwd=self.folder,
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def start(self) -> None:
        self.ports = [free_port() for _ in range(self.size)]
        self.gateways = [self._gateway(port) for port in self.ports]
        for url, process in zip(self.urls, self.gateways, strict=True):
            wait_until_ready(f"{url}/readyz", process)
        binary = shutil.which("haproxy")
        if binary is None:
            raise RuntimeError("haproxy not found: install the Debian package haproxy")
        self.balancer_port = free_port()
        addresses = {f"GATEWAY_{n}": f"127.0.0.1:{port}" for n, port in enumerate(self.ports, 1)}
        self.haproxy = subprocess.Popen(
            [binary, "-db", "-f", str(HAPROXY_CONFIG)],
            env={**os.environ, "LISTEN": f"127.0.0.1:{self.balancer_port}", **addresses},
            stdout=subprocess.DEVNULL,
            stderr=self._log("haproxy.log"),
        )
        wait_until_ready(f"{self.balancer}/healthz", self.haproxy)

    def _gateway(self, port: int) -> subprocess.Popen[bytes]:
        log = self._log(f"gateway-{port}.log")
        return subprocess.Popen(
            [
                *(sys.executable, "-m", "gateway.cli", "serve", "--config", str(FLEET_CONFIG)),
                *("--port", str(port), "--log-level", "warning"),
            ],
            cwd=self.folder,
            env=self.environ,
            stdout=log,
            stderr=log,
        )

    def _log(self, name: str) -> IO[bytes]:
        log = (self.folder / name).open("ab")
        self.logs.append(log)
        return log

    def kill(self, index: int) -> None:
        """SIGKILL one gateway: no shutdown, connections dropped mid-answer."""
        self.gateways[index].send_signal(signal.SIGKILL)
        self.gateways[index].wait(10)

    def restart(self, index: int) -> None:
        process = self.gateways[index]
        if process.poll() is None:
            return
        self.gateways[index] = self._gateway(self.ports[index])
        wait_until_ready(f"{self.urls[index]}/readyz", self.gateways[index])

    def stop(self) -> None:
        for process in [*self.gateways, *([self.haproxy] if self.haproxy else [])]:
            if process.poll() is None:
                process.terminate()
        for process in [*self.gateways, *([self.haproxy] if self.haproxy else [])]:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        for log in self.logs:
            log.close()
