"""A small demo estate with its served systems on real sockets, and the demo config over it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from demo.estate import generate
from demo.runner import DEMO_CONFIG
from demo.services.instruments import Instruments
from demo.services.systems import DEFAULT_DEALER_KEY, SERVICES
from gateway.config import Settings, load_settings
from tests.support.servers import serve


@dataclass
class DemoEstate:
    folder: Path
    settings: Settings
    instruments: dict[str, Instruments]
    customers: int
    seed: int
    environ: dict[str, str] = field(default_factory=dict)  # what the demo config reads

    def reset_counts(self) -> None:
        for instruments in self.instruments.values():
            instruments.calls = 0
            instruments.by_route.clear()
            instruments.by_request.clear()


def running_estate(folder: Path, customers: int, seed: int) -> Iterator[DemoEstate]:
    generate(folder, customers, seed)
    instruments = {name: Instruments() for name in SERVICES}
    with ExitStack() as stack:
        urls = {
            name: stack.enter_context(
                serve(instruments[name].middleware(build(folder, instruments[name])))
            )
            for name, build in SERVICES.items()
        }
        environ = {
            **os.environ,
            "C360_DEMO_DATA": str(folder),
            "CRM_URL": urls["crm"],
            "SERVICE_DESK_URL": urls["service_desk"],
            "DEALER_URL": urls["dealer"],
            "CAMPAIGNS_URL": urls["campaigns"],
            "DEALER_API_KEY": DEFAULT_DEALER_KEY,
        }
        settings = load_settings(DEMO_CONFIG, environ=environ)
        yield DemoEstate(folder, settings, instruments, customers, seed, environ)
