"""``c360``: serve the gateway, check a config, print the schema, run the demo."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gateway.config import ConfigError, Settings, load_settings

__all__ = ["main"]

DEFAULT_CONFIG = "c360.yaml"
SHUTDOWN_GRACE = 30  # seconds a stopping server lets requests in flight finish
EVAL_DATA = ".c360-eval"  # eval-identity's own estate: never the demo's folder


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="c360", description="The c360 customer-360 gateway.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the gateway over a config file")
    serve.add_argument("--config", default=os.environ.get("C360_CONFIG", DEFAULT_CONFIG))
    serve.add_argument("--host", help="address to listen on (default: server.host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: server.port, 8000)")
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--workers", type=int, help="worker processes (default: server.workers, 1)")
    serve.add_argument("--plain-logs", action="store_true", help="text logs instead of JSON lines")

    check = commands.add_parser("check", help="validate a config file and report every problem")
    check.add_argument("config", nargs="?", default=os.environ.get("C360_CONFIG", DEFAULT_CONFIG))
    check.add_argument(
        "--probe",
        action="store_true",
        help="also read each source's first records and try the formats its parse: declares",
    )
    check.add_argument(
        "--probe-rows", type=int, default=20, help="records read per entity by --probe (20)"
    )

    schema = commands.add_parser("schema", help="print the GraphQL schema (SDL)")
    schema.add_argument(
        "--federation",
        action="store_true",
        help="the Apollo Federation 2 subgraph schema, as composition reads it",
    )

    demo = commands.add_parser("demo", help="serve the gateway over the bundled demo estate")
    demo.add_argument("--port", type=int, default=8000, help="the gateway's port (8000)")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("C360_DEMO_DATA", ".c360-demo")),
        help="the estate's folder (.c360-demo)",
    )
    # the demo's defaults live in demo.estate, imported only when the demo runs
    demo.add_argument(
        "--customers",
        type=int,
        help="estate size (default: the existing estate's, else the demo's)",
    )
    demo.add_argument(
        "--seed", type=int, help="generator seed (default: the existing estate's, else the demo's)"
    )
    demo.add_argument("--regenerate", action="store_true", help="write the estate anew")
    demo.add_argument("--generate-only", action="store_true", help="generate, then exit")
    demo.add_argument(
        "--services-port",
        type=int,
        default=9101,
        help="first port of the served systems (9101-9104)",
    )
    demo.add_argument("--latency", default="0", help="added to every call of the served systems")
    demo.add_argument(
        "--fail-rate",
        type=float,
        default=0.0,
        help="share of the served systems' calls that fail with 503",
    )
    demo.add_argument("--log-level", default="info")

    evaluation = commands.add_parser(
        "eval-identity",
        help="measure identity resolution against labelled data (--truth) or the demo's truth",
    )
    evaluation.add_argument(
        "--truth", type=Path, help="pairs or clusters of one-person records (JSON lines or CSV)"
    )
    evaluation.add_argument("--config", help="the config to resolve with (with --truth)")
    evaluation.add_argument(
        "--out", type=Path, help="folder for misses.jsonl and false_links.jsonl (with --truth)"
    )
    evaluation.add_argument(
        "--data",
        type=Path,
        help=f"the estate to evaluate on (default {EVAL_DATA}, generated there and never in the"
        " demo's folder); an estate of another size there is an error, not replaced",
    )
    evaluation.add_argument("--customers", type=int, help="estate size (default: as generated)")
    evaluation.add_argument("--sample", type=int, help="evaluate this many people (default all)")
    evaluation.add_argument("--seed", type=int, default=1, help="seed of the random starts")
    evaluation.add_argument(
        "--services-port",
        type=int,
        default=9111,
        help="first port of the systems it serves (9111; 9101 is the demo's)",
    )

    identity = commands.add_parser("identity", help="train identity matching")
    identity_commands = identity.add_subparsers(dest="identity_command", required=True)
    training = identity_commands.add_parser(
        "train", help="estimate the matching model from the sources' own records"
    )
    training.add_argument("--config", default=os.environ.get("C360_CONFIG", DEFAULT_CONFIG))
    training.add_argument("--version", help="the model's version (default: file name and time)")
    training.add_argument("--seed", type=int, default=1, help="seed of the random pairs")

    keys = commands.add_parser("keys", help="create, list and revoke API keys")
    keys.add_argument("--config", default=os.environ.get("C360_CONFIG", DEFAULT_CONFIG))
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="create a key and print it once")
    create.add_argument("--role", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--dealer-id", help="required for a role with row_scope: dealer")
    listing = key_commands.add_parser("list", help="list keys (never their secrets)")
    revoke = key_commands.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("id")
    for command in (create, listing, revoke):
        # `c360 keys create --config F` as well as `c360 keys --config F create`
        command.add_argument("--config", default=argparse.SUPPRESS)

    args = parser.parse_args(argv)
    if args.command == "keys":
        return _keys(args)
    if args.command == "demo":
        return _demo(args)
    if args.command == "eval-identity" and args.truth is not None:
        from gateway.identity_commands import eval_truth_command

        config = args.config or os.environ.get("C360_CONFIG", DEFAULT_CONFIG)
        return eval_truth_command(config, args.truth, args.sample, args.seed, args.out)
    if args.command == "eval-identity":
        return _eval_identity(args)
    if args.command == "identity":
        from gateway.identity_commands import train_command

        return train_command(args.config, args.version, args.seed)
    if args.command == "schema":
        from schema.build import build_schema

        if args.federation:
            from schema.federation import subgraph_sdl

            print(subgraph_sdl(build_schema(federation=True).as_str()))
        else:
            print(build_schema().as_str())
        return 0
    settings = _load(args.config)
    if settings is None:
        return 1
    if args.command == "check":
        print(settings.summary())
        _replica_warnings(settings)
        return _probe(settings, args.probe_rows) if args.probe else 0
    workers = settings.server.workers if args.workers is None else args.workers
    if workers < 1:
        print("c360 serve: --workers must be 1 or more", file=sys.stderr)
        return 2
    return _serve(settings, args.host, args.port, args.log_level, workers, not args.plain_logs)


def _load(path: str) -> Settings | None:
    try:
        return load_settings(path)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(f"{count} problem{'s' if count != 1 else ''} in {path}", file=sys.stderr)
        return None


def _replica_warnings(settings: Settings) -> None:
    """On stderr, at the line of ``server.replicas`` (or ``server.workers``, the larger): the
    state its gateways would each keep."""
    from gateway._yaml import load_yaml
    from gateway.shared_state import fleet_warnings

    replicas, workers = settings.server.replicas, settings.server.workers
    key, gateways = ("replicas", replicas) if replicas >= workers else ("workers", workers)
    warnings = fleet_warnings(settings, gateways, one_machine=key == "workers")
    if warnings:
        text = settings.path.read_text(encoding="utf-8")
        line = load_yaml(text, os.environ).line_of(("server", key))
        for warning in warnings:
            print(
                f"{settings.path}:{line}: server.{key}: warning: {gateways} gateways,"
                f" {warning.message} (set {warning.setting})",
                file=sys.stderr,
            )


def _probe(settings: Settings, rows: int) -> int:
    """Try every declared format on the sources' first records; 1 when one cannot read them."""
    import asyncio

    from gateway._yaml import load_yaml
    from gateway.probe import probe

    text = settings.path.read_text(encoding="utf-8")
    lines = load_yaml(text, os.environ).lines
    report = asyncio.run(probe(settings, max(1, rows), lines))
    for problem in report.problems:
        print(problem, file=sys.stderr)
    if report.problems:
        count = len(report.problems)
        print(f"{count} problem{'s' if count != 1 else ''} found by the probe", file=sys.stderr)
        return 1
    print(f"probe: {report.values} values of {report.fields} declared fields read as declared")
    return 0


def _serve(
    settings: Settings,
    host: str | None,
    port: int | None,
    log_level: str,
    workers: int = 1,
    json_logs: bool = True,
) -> int:
    """Serve until SIGINT or SIGTERM; in-flight requests finish first (up to SHUTDOWN_GRACE)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from gateway.app import create_app
    from gateway.collector import tune_collector
    from gateway.logs import configure_logging, log_config
    from gateway.shared_state import fleet_warnings
    from gateway.slow_clients import ServerConfig

    configure_logging(log_level, json_logs)
    gateways = max(workers, settings.server.replicas)
    for warning in fleet_warnings(settings, gateways, one_machine=settings.server.replicas <= 1):
        logging.getLogger("c360.gateway").warning(
            "%d gateways, %s (set %s)", gateways, warning.message, warning.setting
        )
    options: dict[str, Any] = {
        "host": host or settings.server.host,
        "port": settings.server.port if port is None else port,
        "log_level": log_level,
        "log_config": log_config(log_level, json_logs),
        "timeout_graceful_shutdown": SHUTDOWN_GRACE,
        "header_timeout": settings.server.header_timeout,
        "access_log": settings.server.access_log,
    }
    if workers > 1:
        os.environ["C360_CONFIG"] = str(settings.path.resolve())
        config = ServerConfig(
            "gateway.app:app_from_environment", factory=True, workers=workers, **options
        )
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        app = create_app(settings)
        tune_collector(settings.server.gc_threshold)
        uvicorn.Server(ServerConfig(app, **options)).run()
    return 0


def _demo(args: argparse.Namespace) -> int:
    from demo.runner import DemoOptions, prepare_estate, served_demo

    if args.customers is not None and not 1 <= args.customers <= 1_000_000:
        print("c360 demo: --customers must be between 1 and 1,000,000", file=sys.stderr)
        return 2
    options = DemoOptions(
        args.data,
        args.customers,
        args.seed,
        args.regenerate,
        args.services_port,
        args.latency,
        args.fail_rate,
    )
    if args.generate_only:
        prepare_estate(options)
        return 0
    # uvicorn re-raises the signal that stopped it: make SIGTERM an exception, so that the
    # served systems are stopped below instead of being left behind
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        with served_demo(options, os.environ) as (_, settings):
            print(f"c360 demo: GraphiQL at http://{args.host}:{args.port}/graphql")
            return _serve(settings, args.host, args.port, args.log_level)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1


def _keys(args: argparse.Namespace) -> int:
    import asyncio

    from gateway.clock import SystemClock
    from gateway.security.key_cache import KeyCache
    from gateway.security.keys import KeyStore

    settings = _load(args.config)
    if settings is None:
        return 1
    security = settings.security
    if args.keys_command == "create" and args.role not in security.roles:
        known = ", ".join(sorted(security.roles))
        print(
            f"c360 keys: no role {args.role!r} in {args.config} (roles: {known})", file=sys.stderr
        )
        return 1
    if args.keys_command == "create" and not args.dealer_id:
        policy = security.roles[args.role]
        if policy.row_scope == "dealer":
            print(
                f"c360 keys: role {args.role!r} sees only its dealer's customers: give --dealer-id",
                file=sys.stderr,
            )
            return 2

    async def run() -> int:
        store = KeyCache(
            KeyStore.open(security.api_keys.store, settings.base_dir),
            SystemClock(),
            security.api_keys.cache,
            settings.cache.redis,  # a revocation is announced to the running gateways
        )
        try:
            if args.keys_command == "create":
                info, key = await store.create(args.role, args.name, args.dealer_id)
                print(
                    f"created key {info.id} ({info.role}); it is shown this once:", file=sys.stderr
                )
                print(key)
            elif args.keys_command == "list":
                for k in await store.list():
                    state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
                    dealer = f" dealer {k.dealer_id}" if k.dealer_id else ""
                    created = f"{k.created_at:%Y-%m-%d}"
                    print(f"{k.id}  {k.role}{dealer}  {k.name}  created {created}  {state}")
            elif not await store.revoke(args.id):
                print(f"c360 keys: no active key {args.id!r}", file=sys.stderr)
                return 1
            else:
                print(f"revoked {args.id}")
        finally:
            await store.aclose()
        return 0

    return asyncio.run(run())


def _eval_identity(args: argparse.Namespace) -> int:
    import asyncio

    from demo.estate import is_generated
    from demo.evaluation import evaluate, load_truth
    from demo.households import households
    from demo.runner import DemoOptions, EstateMismatch, prepare_estate, served_demo

    # its own estate unless told otherwise: a running demo's data is never regenerated
    options = DemoOptions(
        args.data or Path(EVAL_DATA),
        args.customers,
        services_port=args.services_port,
        may_replace=args.data is None,
    )
    try:
        prepare_estate(options)
    except EstateMismatch as exc:
        print(f"c360 eval-identity: {exc}", file=sys.stderr)
        return 1
    with served_demo(options, os.environ) as (data, settings):
        info = is_generated(data)
        assert info is not None
        truth = load_truth(data / "ground_truth.jsonl")
        pairs = households(info.customers, info.seed)
        report = asyncio.run(evaluate(settings, truth, pairs, args.sample, args.seed))
    print(f"estate: {info.customers:,} customers, seed {info.seed}, in {data}")
    for line in report.lines():
        print(line)
    for example in report.examples:
        print(f"  over-merge: {example}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
