"""``c360``: serve the gateway, check a config, print the schema."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from gateway.config import ConfigError, Settings, load_settings

__all__ = ["main"]

DEFAULT_CONFIG = "c360.yaml"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="c360", description="The c360 customer-360 gateway.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the gateway over a config file")
    serve.add_argument("--config", default=os.environ.get("C360_CONFIG", DEFAULT_CONFIG))
    serve.add_argument("--host", help="address to listen on (default: server.host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: server.port, 8000)")
    serve.add_argument("--log-level", default="info")

    check = commands.add_parser("check", help="validate a config file and report every problem")
    check.add_argument("config", nargs="?", default=os.environ.get("C360_CONFIG", DEFAULT_CONFIG))

    commands.add_parser("schema", help="print the GraphQL schema (SDL)")

    args = parser.parse_args(argv)
    if args.command == "schema":
        from schema.build import build_schema

        print(build_schema().as_str())
        return 0
    settings = _load(args.config)
    if settings is None:
        return 1
    if args.command == "check":
        print(settings.summary())
        return 0
    return _serve(settings, args.host, args.port, args.log_level)


def _load(path: str) -> Settings | None:
    try:
        return load_settings(path)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(f"{count} problem{'s' if count != 1 else ''} in {path}", file=sys.stderr)
        return None


def _serve(settings: Settings, host: str | None, port: int | None, log_level: str) -> int:
    import uvicorn

    from gateway.app import create_app

    uvicorn.run(
        create_app(settings),
        host=host or settings.server.host,
        port=settings.server.port if port is None else port,
        log_level=log_level,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
