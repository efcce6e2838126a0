"""The ``portal`` command line: run the portal, its workers, and administrative tasks."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from portal.runtime import tune_gc
from portal.settings import Settings, SettingsError


class CommandError(Exception):
    """A command could not do what was asked; the message says why (exit status 1)."""


def _settings() -> Settings:
    return Settings.from_env()


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


async def _with_db(settings: Settings, work: Callable[[], Awaitable[Any]]) -> Any:
    from portal import db

    await db.connect(settings.database_url)
    try:
        return await work()
    finally:
        await db.disconnect()


# --- commands -------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace, settings: Settings, *, scheduler: bool = True) -> None:
    import uvicorn

    from portal.app import create_app

    base = f"http://{args.host}:{args.port}"
    print(f"Doorstep is starting on {base}", flush=True)
    print(f"  Customer parcel lookup:  {base}/", flush=True)
    print(f"  Merchant sign-in:        {base}/admin/login", flush=True)
    if settings.dev_mailbox:
        print(f"  Dev mailbox:             {base}/dev/mailbox", flush=True)
    app = create_app(settings, scheduler=scheduler)
    tune_gc()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        proxy_headers=settings.production,
    )


def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    cmd_run(args, settings, scheduler=False)


def cmd_worker(args: argparse.Namespace, settings: Settings) -> None:
    from portal import db
    from portal.scheduler import start_scheduler

    async def work() -> None:
        await db.connect(settings.database_url)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        worker = start_scheduler(settings)
        tune_gc()
        print("worker running; SIGTERM drains and stops it", flush=True)
        try:
            await stop.wait()
        finally:
            await worker.stop()
            await db.disconnect()
            print("worker stopped", flush=True)

    asyncio.run(work())


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> None:
    from portal import db

    asyncio.run(db.migrate(settings.database_url))
    print("database is up to date")


def cmd_demo(args: argparse.Namespace, settings: Settings) -> None:
    from portal.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo

    report = asyncio.run(_with_db(settings, lambda: load_demo(settings)))
    print(
        f"demo shop {report.merchant.slug!r}: {report.created_orders} orders and "
        f"{report.created_shipments} shipments added"
    )
    print(f"sign in as {DEMO_EMAIL} / {DEMO_PASSWORD}")


def cmd_poll(args: argparse.Namespace, settings: Settings) -> None:
    from portal.http import build_client
    from portal.tracking.claim import make_due
    from portal.tracking.sweep import poll_once

    if not (args.once or args.shipment or args.all_now):
        raise CommandError(
            "use `portal poll --once`, `--shipment ID` or `--all-now` "
            "(workers poll continuously: `portal worker`)"
        )

    async def work() -> Any:
        now = datetime.now(UTC)
        if args.shipment or args.all_now:
            brought = await make_due(now, None if args.all_now else args.shipment)
            if args.shipment and brought < len(set(args.shipment)):
                raise CommandError(f"no shipment with id {', '.join(map(str, args.shipment))}")
            print(f"{brought} shipment(s) due now")
        async with build_client(settings) as client:
            tune_gc()
            return await poll_once(settings, client=client, now=now)

    report = asyncio.run(_with_db(settings, work))
    print(report.summary())


def cmd_dispatch(args: argparse.Namespace, settings: Settings) -> None:
    from portal.notifications.dispatcher import dispatch_command

    asyncio.run(
        _with_db(settings, lambda: dispatch_command(settings, once=args.once, connect=False))
    )


def cmd_merchant_create(args: argparse.Namespace, settings: Settings) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from tortoise.exceptions import IntegrityError

    from portal import i18n
    from portal.models import Merchant

    try:
        ZoneInfo(args.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CommandError(f"unknown time zone {args.time_zone!r}") from None
    if args.locale not in i18n.LOCALES:
        raise CommandError(f"locale must be one of {', '.join(i18n.LOCALES)}")

    async def work() -> Merchant:
        try:
            return await Merchant.create(
                slug=args.slug,
                name=args.name,
                time_zone=args.time_zone,
                default_locale=args.locale,
            )
        except IntegrityError:
            raise CommandError(f"a merchant with slug {args.slug!r} already exists") from None

    merchant = asyncio.run(_with_db(settings, work))
    print(f"merchant {merchant.slug!r} created (id {merchant.id})")


async def _merchant(slug: str) -> Any:
    from portal.models import Merchant

    merchant = await Merchant.get_or_none(slug=slug)
    if merchant is None:
        raise CommandError(f"no merchant with slug {slug!r}")
    return merchant


def cmd_user_create(args: argparse.Namespace, settings: Settings) -> None:
    import getpass

    from tortoise.exceptions import IntegrityError

    from portal.models import Role, StaffUser
    from portal.security import WeakPassword, hash_password

    password = args.password or getpass.getpass("Password: ")
    try:
        password_hash = hash_password(password)
    except WeakPassword as exc:
        raise CommandError(str(exc)) from None

    async def work() -> StaffUser:
        merchant = await _merchant(args.merchant)
        try:
            return await StaffUser.create(
                merchant=merchant,
                email=args.email.strip().lower(),
                name=args.name or "",
                password_hash=password_hash,
                role=Role(args.role),
            )
        except IntegrityError:
            raise CommandError(f"a user with email {args.email!r} already exists") from None

    user = asyncio.run(_with_db(settings, work))
    print(f"user {user.email} ({user.role}) created for merchant {args.merchant!r}")


def cmd_apikey_create(args: argparse.Namespace, settings: Settings) -> None:
    from portal.models import ApiKey
    from portal.security import new_api_key

    key = new_api_key()

    async def work() -> None:
        merchant = await _merchant(args.merchant)
        await ApiKey.create(
            merchant=merchant, name=args.name, prefix=key.prefix, key_hash=key.key_hash
        )

    asyncio.run(_with_db(settings, work))
    print("API key created. It is shown once; store it now:")
    print(key.plaintext)


def cmd_predict(args: argparse.Namespace, settings: Settings) -> None:
    from portal.models import Merchant
    from portal.tracking import backtest
    from portal.tracking.transit_sql import learn, recompute

    async def work() -> list[str]:
        now = datetime.now(UTC)
        if args.action == "recompute":
            done = await recompute(now)
            return [
                f"learned from {done.parcels} settled parcels: {done.groups} groups, "
                f"{done.gaps} scan gaps in {done.seconds:.1f} s"
            ]
        merchant_id = None
        if args.merchant:
            shop = await Merchant.get_or_none(slug=args.merchant)
            if shop is None:
                raise CommandError(f"no merchant with slug {args.merchant!r}")
            merchant_id = shop.id
        await learn(now)  # brings the business-day calendar up to date
        records = await backtest.load(merchant_id)
        if not records:
            raise CommandError("no settled parcels to replay")
        return backtest.replay(records, weeks=args.weeks).lines()

    for line in asyncio.run(_with_db(settings, work)):
        print(line)


# --- parser ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portal", description="Doorstep: delivery tracking, notifications and returns."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def web(name: str, handler: Callable[..., None], help: str) -> None:
        cmd = sub.add_parser(name, help=help)
        cmd.add_argument("--host", default="127.0.0.1")
        cmd.add_argument("--port", type=int, default=8000)
        cmd.set_defaults(handler=handler)

    web("run", cmd_run, "web and background jobs in one process (the embedded default)")
    web("serve", cmd_serve, "web only (run workers separately)")
    sub.add_parser("worker", help="background jobs only").set_defaults(handler=cmd_worker)
    sub.add_parser("migrate", help="create or update the database schema").set_defaults(
        handler=cmd_migrate
    )
    sub.add_parser("demo", help="load the demo shop (idempotent)").set_defaults(handler=cmd_demo)
    poll = sub.add_parser("poll", help="poll carriers for every shipment due now")
    poll.add_argument("--once", action="store_true", help="one sweep, print what it did, exit")
    poll.add_argument(
        "--shipment", type=int, action="append", metavar="ID",
        help="poll this shipment now, whatever its schedule (repeatable)",
    )  # fmt: skip
    poll.add_argument(
        "--all-now", action="store_true",
        help="poll every shipment still tracked now, whatever its schedule",
    )  # fmt: skip
    poll.set_defaults(handler=cmd_poll)
    dispatch = sub.add_parser("dispatch", help="send due notifications")
    dispatch.add_argument("--once", action="store_true", help="one pass, then exit")
    dispatch.set_defaults(handler=cmd_dispatch)

    predict = sub.add_parser("predict", help="delivery-date predictions")
    predict_sub = predict.add_subparsers(dest="action", metavar="ACTION", required=True)
    predict_sub.add_parser(
        "recompute", help="learn transit times and scan gaps from the settled history now"
    ).set_defaults(handler=cmd_predict)
    replay = predict_sub.add_parser(
        "backtest", help="replay the history week by week and print the accuracy figures"
    )
    replay.add_argument("--merchant", help="one shop's parcels (its slug); default: all")
    replay.add_argument(
        "--weeks", type=int, default=None, help="replay only the last N weeks (default: all)"
    )
    replay.set_defaults(handler=cmd_predict)

    merchant = sub.add_parser("merchant", help="manage merchants")
    merchant_sub = merchant.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = merchant_sub.add_parser("create", help="create a merchant")
    create.add_argument("--slug", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--time-zone", default="UTC")
    create.add_argument("--locale", default="en")
    create.set_defaults(handler=cmd_merchant_create)

    user = sub.add_parser("user", help="manage staff users")
    user_sub = user.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = user_sub.add_parser("create", help="create a staff user")
    create.add_argument("--merchant", required=True, help="the merchant's slug")
    create.add_argument("--email", required=True)
    create.add_argument("--name")
    create.add_argument("--password", help="prompted for when omitted")
    create.add_argument("--role", choices=["owner", "staff"], default="staff")
    create.set_defaults(handler=cmd_user_create)

    apikey = sub.add_parser("apikey", help="manage REST API keys")
    apikey_sub = apikey.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = apikey_sub.add_parser("create", help="create an API key (shown once)")
    create.add_argument("--merchant", required=True, help="the merchant's slug")
    create.add_argument("--name", required=True)
    create.set_defaults(handler=cmd_apikey_create)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _settings()
    except SettingsError as exc:
        print(f"portal: configuration error: {exc}", file=sys.stderr)
        return 2
    _configure_logging(settings)
    try:
        args.handler(args, settings)
    except CommandError as exc:
        print(f"portal: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
