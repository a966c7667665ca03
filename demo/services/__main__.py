"""Run one demo service: ``python -m demo.services crm --data DIR --port 9101`` (``--host
0.0.0.0`` in a container)."""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from connectors.options import parse_duration
from demo.services.instruments import Instruments
from demo.services.systems import DEFAULT_DEALER_KEY, DEFAULT_PORTS, SERVICES, dealer


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m demo.services")
    parser.add_argument("service", choices=sorted(SERVICES))
    parser.add_argument("--data", type=Path, required=True, help="the estate's folder")
    parser.add_argument("--port", type=int)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--latency", default="0", help="added to every call, e.g. 50ms")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of calls answered 503")
    parser.add_argument("--api-key", default=DEFAULT_DEALER_KEY, help="the dealer system's key")
    args = parser.parse_args()
    instruments = Instruments(parse_duration(args.latency), args.fail_rate)
    if args.service == "dealer":
        app = dealer(args.data, instruments, args.api_key)
    else:
        app = SERVICES[args.service](args.data, instruments)
    port = args.port or DEFAULT_PORTS[args.service]
    uvicorn.run(instruments.middleware(app), host=args.host, port=port, log_level="warning")


if __name__ == "__main__":
    main()
