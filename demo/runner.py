"""``c360 demo``: generate the estate if needed, start its served systems, serve the gateway."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from demo.estate import DEFAULT_CUSTOMERS, DEFAULT_SEED, generate, is_generated
from demo.services.systems import DEFAULT_DEALER_KEY

if TYPE_CHECKING:
    from gateway.config import Settings

DEMO_CONFIG = Path(__file__).with_name("c360.yaml")
SERVED = ("crm", "service_desk", "dealer", "campaigns")


@dataclass(frozen=True, slots=True)
class DemoOptions:
    data: Path
    customers: int | None = None
    seed: int | None = None
    regenerate: bool = False
    services_port: int = 9101
    latency: str = "0"
    fail_rate: float = 0.0
    may_replace: bool = True  # False: an estate of another size or seed is an error


class EstateMismatch(Exception):
    """The folder holds an estate of another size or seed, which may not be replaced."""


def prepare_estate(options: DemoOptions) -> Path:
    """The estate's folder, generated first when absent or of another size or seed."""
    data = options.data.resolve()
    found = is_generated(data)
    customers = options.customers or (found.customers if found else DEFAULT_CUSTOMERS)
    seed = options.seed if options.seed is not None else (found.seed if found else DEFAULT_SEED)
    mismatch = found is not None and (found.customers, found.seed) != (customers, seed)
    if mismatch and not options.may_replace:
        assert found is not None
        raise EstateMismatch(
            f"{data} holds {found.customers:,} customers (seed {found.seed}), not"
            f" {customers:,} (seed {seed}); it is left as it is: choose another folder"
        )
    if options.regenerate or found is None or mismatch:
        print(f"c360 demo: generating {customers:,} customers (seed {seed}) in {data} ...")
        started = time.perf_counter()
        generate(data, customers, seed)
        print(f"c360 demo: estate generated in {time.perf_counter() - started:.1f} s")
    return data


def service_ports(options: DemoOptions) -> dict[str, int]:
    return {name: options.services_port + i for i, name in enumerate(SERVED)}


def demo_environment(data: Path, ports: Mapping[str, int]) -> dict[str, str]:
    """The variables demo/c360.yaml reads."""
    return {
        "C360_DEMO_DATA": str(data),
        "CRM_URL": f"http://127.0.0.1:{ports['crm']}",
        "SERVICE_DESK_URL": f"http://127.0.0.1:{ports['service_desk']}",
        "DEALER_URL": f"http://127.0.0.1:{ports['dealer']}",
        "CAMPAIGNS_URL": f"http://127.0.0.1:{ports['campaigns']}",
        "DEALER_API_KEY": os.environ.get("DEALER_API_KEY", DEFAULT_DEALER_KEY),
    }


def start_services(
    data: Path, ports: Mapping[str, int], latency: str, fail_rate: float
) -> list[subprocess.Popen[bytes]]:
    """Start each served system as its own process, and wait until each answers."""
    processes = [
        subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [
                sys.executable,
                "-m",
                "demo.services",
                name,
                "--data",
                str(data),
                "--port",
                str(port),
                "--latency",
                latency,
                "--fail-rate",
                str(fail_rate),
                "--api-key",
                os.environ.get("DEALER_API_KEY", DEFAULT_DEALER_KEY),
            ],
            preexec_fn=_die_with_parent,
        )
        for name, port in ports.items()
    ]
    try:
        _wait_ready(ports, processes)
    except BaseException:
        stop_services(processes)
        raise
    return processes


def _die_with_parent() -> None:
    """In the child: be sent SIGTERM if the demo process dies without stopping us (Linux)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _wait_ready(ports: Mapping[str, int], processes: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 60
    pending = dict(ports)
    while pending:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"a demo service exited with {process.returncode}")
        for name, port in list(pending.items()):
            try:
                httpx.get(f"http://127.0.0.1:{port}/_stats", timeout=1).raise_for_status()
                del pending[name]
            except httpx.HTTPError:
                pass
        if pending and time.monotonic() > deadline:
            raise RuntimeError(f"demo services not answering: {', '.join(pending)}")
        time.sleep(0.1)


def stop_services(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def served_demo(
    options: DemoOptions, environ: Mapping[str, str]
) -> Iterator[tuple[Path, Settings]]:
    """The estate prepared and its systems served: yields the estate's folder and the settings
    of demo/c360.yaml over them; the systems stop when the block ends."""
    from gateway.config import load_settings

    data = prepare_estate(options)
    ports = service_ports(options)
    processes = start_services(data, ports, options.latency, options.fail_rate)
    try:
        yield data, load_settings(DEMO_CONFIG, environ={**environ, **demo_environment(data, ports)})
    finally:
        stop_services(processes)
