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

    await db.connect(settings.database_url, settings)
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
    print(f"  Links in messages point at {settings.public_base_url}", flush=True)
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
        await db.connect(settings.database_url, settings)
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
    from tortoise.exceptions import IntegrityError

    from portal import i18n
    from portal.core.timezones import zone_choices, zone_for_country, zone_name_or_none
    from portal.models import Merchant

    country = (args.country or "").strip().upper() or None
    if country is not None and not (len(country) == 2 and country.isalpha()):
        raise CommandError("country must be two letters (ISO 3166-1 alpha-2), e.g. PL")
    if args.locale is None:  # the country's language where the portal ships it (PL: pl)
        args.locale = i18n.language_for_country(country)
    if args.locale not in i18n.LOCALES:
        raise CommandError(f"locale must be one of {', '.join(i18n.LOCALES)}")
    if args.time_zone is None:  # the country's clock where it keeps one (BG: Europe/Sofia)
        choices = zone_choices(country)
        if choices:  # never a guess across a country of several clocks (RU, US)
            raise CommandError(
                f"{country} keeps {len(choices)} time zones: give --time-zone, one of "
                + ", ".join(choices)
            )
        found = zone_for_country(country)
        args.time_zone = found.key if found is not None else "UTC"
    if zone_name_or_none(args.time_zone) is None:
        raise CommandError(f"unknown time zone {args.time_zone!r}")

    async def work() -> Merchant:
        try:
            return await Merchant.create(
                slug=args.slug,
                name=args.name,
                time_zone=args.time_zone,
                default_locale=args.locale,
                country=country,
            )
        except IntegrityError:
            raise CommandError(f"a merchant with slug {args.slug!r} already exists") from None

    merchant = asyncio.run(_with_db(settings, work))
    print(
        f"merchant {merchant.slug!r} created (id {merchant.id}, time zone {merchant.time_zone}, "
        f"language {merchant.default_locale})"
    )


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

    if not args.password and not sys.stdin.isatty():
        # getpass would fall back to echoing or die on end of input with a traceback.
        raise CommandError(
            "no terminal to type the password in: run it in a terminal, or pass --password"
        )
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


def cmd_push_keys(args: argparse.Namespace, settings: Settings) -> None:
    """A new VAPID key pair, printed as the two settings to add to the environment.

    The private key is printed once and stored nowhere: keep it with the other secrets.
    Changing keys later makes every browser subscribe again.
    """
    from portal.notifications.webpush import generate_keys

    keys = generate_keys()
    print(f"PORTAL_VAPID_PUBLIC_KEY={keys.public_key}")
    print(f"PORTAL_VAPID_PRIVATE_KEY={keys.private_key}")
    print("# Also set PORTAL_VAPID_SUBJECT to a mailto: address push services may write to.")


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


async def connect_store(args: argparse.Namespace, settings: Settings, http: Any) -> list[str]:
    """``portal connect``'s work on a connected database; returns the lines to print."""
    from portal.models import Platform
    from portal.platforms import connections
    from portal.platforms.connections import ConnectError

    platform = Platform(args.platform)
    if platform is Platform.SHOPIFY:
        credentials = {
            "access_token": _secret_from(args.token, None),
            "app_secret": _secret_from(args.app_secret, None),
        }
    elif platform is Platform.PRESTASHOP:
        credentials = {"api_key": _secret_from(args.key, None)}
    elif platform is Platform.BASELINKER:
        credentials = {"api_token": _secret_from(args.token, getattr(args, "token_file", None))}
    else:
        credentials = {
            "consumer_key": _secret_from(args.key, None),
            "consumer_secret": _secret_from(args.secret, None),
        }
    merchant = await _merchant(args.merchant)
    try:
        done = await connections.connect(
            merchant.id,
            platform,
            getattr(args, "url", "") or "",
            credentials,
            settings=settings,
            http=http,
            now=datetime.now(UTC),
            register=not getattr(args, "no_webhooks", False),
        )
    except ConnectError as exc:
        raise CommandError(str(exc)) from None
    connection = done.connection
    no_webhooks = {
        Platform.PRESTASHOP: "No webhooks: PrestaShop sends none, so the worker reconciles its "
        "orders every 15 minutes.",
        Platform.BASELINKER: "No webhooks: BaseLinker sends none, so the worker reconciles its "
        "orders every 15 minutes.",
    }
    lines = [
        f"Connected {platform.value} store {connection.shop_url} ({done.shop}).",
        no_webhooks.get(platform, f"Webhooks registered: {len(connection.webhooks)}."),
    ]
    if connection.last_error:
        lines.append(f"Warning: {connection.last_error}")
    if platform is Platform.BASELINKER:
        lines.append(await _delivered_status(args, connection, settings, http))
    lines.append("The worker imports its orders and products on its next sync.")
    return lines


async def _delivered_status(
    args: argparse.Namespace, connection: Any, settings: Settings, http: Any
) -> str:
    """``--delivered-status``: the BaseLinker order status (name or id) a delivered
    parcel moves its order to, or ``none``; without it the choice made before stays. The
    line saying what is written back."""
    from portal.platforms import connections

    choice = getattr(args, "delivered_status", None)
    if choice is None and connection.delivered_status_id is not None:
        choice = str(connection.delivered_status_id)
    try:
        status_id, name = await connections.set_delivered_status(connection, choice, settings, http)
    except ValueError as exc:
        raise CommandError(f"the store is connected, but {exc}") from None
    if status_id is None:
        return (
            "Nothing is written back: --delivered-status STATUS moves a delivered parcel's "
            "order to one of the account's order statuses."
        )
    return f'A delivered parcel moves its order to the BaseLinker status "{name}" ({status_id}).'


def _secret_from(value: str | None, path: str | None) -> str:
    """A secret given as ``-`` (one line of standard input: several ``-`` read a line each,
    in the order of the parameters) or in a file, so that it stays out of the shell's
    history and the process list; a plain value is taken as it is."""
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read().strip()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
    if value == "-":
        return sys.stdin.readline().strip()
    return (value or "").strip()


def cmd_connect(args: argparse.Namespace, settings: Settings) -> None:
    import httpx

    async def work() -> list[str]:
        async with httpx.AsyncClient() as http:
            return await connect_store(args, settings, http)

    for line in asyncio.run(_with_db(settings, work)):
        print(line)


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


def cmd_analytics(args: argparse.Namespace, settings: Settings) -> None:
    from portal.analytics.rollups import rebuild, refresh

    async def work() -> str:
        if args.action == "rebuild":
            done = await rebuild()
            if done.busy:
                raise CommandError("a worker is rolling up right now: try again in a minute")
            rows = ", ".join(f"{name} {n:,}" for name, n in done.rows.items())
            return f"rebuilt the daily rollups in {done.seconds:.1f} s: {rows}"
        done = await refresh()
        if done.busy:
            raise CommandError("a worker is rolling up right now: try again in a minute")
        return (
            f"closed {done.closed} days, recounted {done.recounted} changed days "
            f"in {done.seconds:.1f} s"
        )

    print(asyncio.run(_with_db(settings, work)))


async def _customer_of(slug: str, customer_id: int) -> Any:
    from portal.models import Customer

    merchant = await _merchant(slug)
    customer = await Customer.get_or_none(id=customer_id, merchant_id=merchant.id)
    if customer is None:
        raise CommandError(f"merchant {slug!r} has no customer with id {customer_id}")
    return customer


def cmd_customer_export(args: argparse.Namespace, settings: Settings) -> None:
    import json

    from portal import privacy

    async def work() -> dict[str, Any]:
        return await privacy.export(await _customer_of(args.merchant, args.id))

    print(json.dumps(asyncio.run(_with_db(settings, work)), ensure_ascii=False, indent=2))


def cmd_customer_erase(args: argparse.Namespace, settings: Settings) -> None:
    from portal import privacy

    if not args.yes:
        raise CommandError("erasing cannot be undone: add --yes to confirm")

    async def work() -> Any:
        customer = await _customer_of(args.merchant, args.id)
        return await privacy.erase(customer, actor="cli", settings=settings)

    record = asyncio.run(_with_db(settings, work))
    changed = sum(int(n) for n in record.counts.values())
    when = record.erased_at.isoformat()
    print(f"customer {args.id} erased at {when} ({changed} rows anonymised)")


def cmd_settings(args: argparse.Namespace, settings: Settings) -> None:
    import json

    from portal import logo, settings_command

    document: dict[str, Any] = {}
    image = b""
    if args.action == "logo":
        if bool(args.file) == bool(args.remove):
            raise CommandError("give the logo's FILE or --remove (one of the two)")
        if args.file:
            try:
                with open(args.file, "rb") as picture:
                    image = picture.read(logo.MAX_BYTES + 1)
            except OSError as exc:
                raise CommandError(f"cannot read {args.file}: {exc.strerror}") from None
    if args.action == "set":
        if bool(args.json) == bool(args.assignments):
            raise CommandError("give key=value settings or --json FILE (one of the two)")
        try:
            if args.json:
                with open(args.json, encoding="utf-8") as file:
                    document = json.load(file)
            else:
                document = settings_command.parse(args.assignments)
        except OSError as exc:
            raise CommandError(f"cannot read {args.json}: {exc.strerror}") from None
        except ValueError as exc:
            raise CommandError(f"{args.json} is not valid JSON: {exc}") from None
        except settings_command.Refused as exc:
            raise CommandError(str(exc)) from None

    async def work() -> dict[str, Any]:
        merchant = await _merchant(args.merchant)
        if args.action == "show":
            return await settings_command.show(merchant, settings)
        try:
            if args.action == "logo" and args.remove:
                return await settings_command.remove_logo(merchant, settings)
            if args.action == "logo":
                return await settings_command.put_logo(merchant, image, settings)
            return await settings_command.change(merchant, document, settings)
        except settings_command.Refused as exc:
            raise CommandError(
                "nothing changed:\n" + "\n".join(f"  {p}" for p in exc.problems)
            ) from None

    print(json.dumps(asyncio.run(_with_db(settings, work)), ensure_ascii=False, indent=2))


def cmd_carrier(args: argparse.Namespace, settings: Settings) -> None:
    import json

    from portal import carrier_command

    document: dict[str, Any] = {}
    if args.action == "add":
        credentials: dict[str, Any] = {}
        try:
            if args.json == "-":
                credentials = carrier_command.read_credentials(sys.stdin, "standard input")
            elif args.json:
                with open(args.json, encoding="utf-8") as file:
                    credentials = carrier_command.read_credentials(file, args.json)
        except OSError as exc:
            raise CommandError(f"cannot read {args.json}: {exc.strerror}") from None
        except carrier_command.Refused as exc:
            raise CommandError(str(exc)) from None
        document = {"carrier": args.carrier, "credentials": credentials}
        if args.name is not None:
            document["name"] = args.name
        if args.base_url is not None:
            document["base_url_override"] = args.base_url
        if args.disabled:
            document["enabled"] = False
        if args.default:
            document["default"] = True

    async def work() -> tuple[int, str]:
        merchant = await _merchant(args.merchant)
        try:
            if args.action == "list":
                found = await carrier_command.list_accounts(settings, merchant)
                return 0, json.dumps(found, ensure_ascii=False, indent=2)
            if args.action == "add":
                added = await carrier_command.add(settings, merchant, document)
                return 0, json.dumps(added, ensure_ascii=False, indent=2)
            if args.action == "remove":
                return 0, await carrier_command.remove(merchant, args.id)
            if args.action == "default":
                marked = await carrier_command.set_default(
                    settings, merchant, args.id, not args.unset
                )
                return 0, json.dumps(marked, ensure_ascii=False, indent=2)
            outcome, line = await carrier_command.test(settings, merchant, args.id)
            return (0 if outcome == "ok" else 1), line
        except carrier_command.Refused as exc:
            lines = exc.problems
            if args.action == "add":
                return 1, "nothing changed:\n" + "\n".join(f"  {p}" for p in lines)
            return 1, "\n".join(lines)

    status, text = asyncio.run(_with_db(settings, work))
    if status:
        raise CommandError(text)
    print(text)


def cmd_webhooks(args: argparse.Namespace, settings: Settings) -> None:
    import json

    from portal import webhooks_command

    async def work() -> Any:
        merchant = await _merchant(args.merchant)
        try:
            if args.action == "list":
                return await webhooks_command.list_endpoints(merchant)
            if args.action == "deliveries":
                return await webhooks_command.deliveries(
                    settings, merchant, args.endpoint, state=args.state, limit=args.limit,
                    cursor=args.cursor,
                )  # fmt: skip
            return await webhooks_command.resend(merchant, args.endpoint, args.delivery)
        except webhooks_command.Refused as exc:
            raise CommandError(str(exc)) from None

    print(json.dumps(asyncio.run(_with_db(settings, work)), ensure_ascii=False, indent=2))


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

    analytics = sub.add_parser("analytics", help="the analytics screen's daily rollups")
    analytics_sub = analytics.add_subparsers(dest="action", metavar="ACTION", required=True)
    analytics_sub.add_parser(
        "refresh", help="roll up the days closed and changed since the last run (the job)"
    ).set_defaults(handler=cmd_analytics)
    analytics_sub.add_parser(
        "rebuild", help="count every day again for every merchant"
    ).set_defaults(handler=cmd_analytics)

    merchant = sub.add_parser("merchant", help="manage merchants")
    merchant_sub = merchant.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = merchant_sub.add_parser("create", help="create a merchant")
    create.add_argument("--slug", required=True)
    create.add_argument("--name", required=True)
    create.add_argument(
        "--time-zone",
        help="IANA zone; by default the country's if it keeps one clock, UTC without a country "
        "(a country of several clocks must name one)",
    )
    create.add_argument(
        "--locale",
        help="customers' default language; by default the country's, if shipped, else en",
    )
    create.add_argument(
        "--country", help="ISO 3166-1 alpha-2 of the shop (EU shops get the withdrawal function)"
    )
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

    customer = sub.add_parser("customer", help="a customer's data: export or erase")
    customer_sub = customer.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, handler, text in (
        ("export", cmd_customer_export, "print everything held about a customer (JSON)"),
        ("erase", cmd_customer_erase, "anonymise a customer's personal data everywhere"),
    ):
        command = customer_sub.add_parser(action, help=text)
        command.add_argument("--merchant", required=True, help="the merchant's slug")
        command.add_argument("--id", required=True, type=int, help="the customer's id")
        if action == "erase":
            command.add_argument("--yes", action="store_true", help="confirm: cannot be undone")
        command.set_defaults(handler=handler)

    shop_settings = sub.add_parser("settings", help="a shop's settings (as the API's /settings)")
    shop_sub = shop_settings.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = shop_sub.add_parser("show", help="print the shop's settings (JSON)")
    show.add_argument("--merchant", required=True, help="the merchant's slug")
    show.set_defaults(handler=cmd_settings)
    change = shop_sub.add_parser(
        "set", help="change settings: all or nothing, checked as the screens check them"
    )
    change.add_argument("--merchant", required=True, help="the merchant's slug")
    change.add_argument(
        "assignments", nargs="*", metavar="KEY=VALUE",
        help="e.g. name=Acme channel_order=email,sms surveys.delay_days=3 "
        "notification_rules.delivered=default",
    )  # fmt: skip
    change.add_argument("--json", metavar="FILE", help="the settings to change, as JSON")
    change.set_defaults(handler=cmd_settings)
    put_logo = shop_sub.add_parser(
        "logo", help="put the shop's logo (PNG, JPEG or WebP, at most 1 MB) or drop it"
    )
    put_logo.add_argument("--merchant", required=True, help="the merchant's slug")
    put_logo.add_argument("file", nargs="?", metavar="FILE", help="the image file")
    put_logo.add_argument("--remove", action="store_true", help="drop the shop's logo")
    put_logo.set_defaults(handler=cmd_settings)

    carrier = sub.add_parser(
        "carrier", help="a shop's carrier accounts (as the API's /carrier-accounts)"
    )
    carrier_sub = carrier.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = carrier_sub.add_parser(
        "list", help="print the accounts and their health (JSON; credentials never shown)"
    )
    listing.add_argument("--merchant", required=True, help="the merchant's slug")
    listing.set_defaults(handler=cmd_carrier)
    add = carrier_sub.add_parser(
        "add", help="connect an account: checked as the screen checks it, all or nothing"
    )
    add.add_argument("--merchant", required=True, help="the merchant's slug")
    add.add_argument("--carrier", required=True, help="the carrier's key: dhl, inpost, ups…")
    add.add_argument(
        "--json", metavar="FILE",
        help='the credentials as a JSON object ({"api_key": "…"}); - reads standard input',
    )  # fmt: skip
    add.add_argument("--name", help="the shop's label for it (default: the carrier's name)")
    add.add_argument("--base-url", help="call the carrier here (a test endpoint)")
    add.add_argument("--disabled", action="store_true", help="add it switched off")
    add.add_argument(
        "--default", action="store_true",
        help="make it the carrier's default (polls shipments that name no account)",
    )  # fmt: skip
    add.set_defaults(handler=cmd_carrier)
    for action, text in (
        ("remove", "remove an account (its shipments stay)"),
        ("test", "ask the carrier about a sample number with the account (exit 1 unless ok)"),
        (
            "default",
            "make the account its carrier's default: it polls the shop's shipments of that "
            "carrier that name no account (unmarks the carrier's other default)",
        ),
    ):
        command = carrier_sub.add_parser(action, help=text)
        command.add_argument("--merchant", required=True, help="the merchant's slug")
        command.add_argument("--id", required=True, type=int, help="the account's id")
        if action == "default":
            command.add_argument(
                "--unset", action="store_true", help="unmark it instead (no default then)"
            )
        command.set_defaults(handler=cmd_carrier)

    webhooks = sub.add_parser(
        "webhooks", help="outgoing webhook endpoints and their delivery log (as the API's)"
    )
    webhooks_sub = webhooks.add_subparsers(dest="action", metavar="ACTION", required=True)
    hooks_list = webhooks_sub.add_parser("list", help="print the shop's endpoints (JSON)")
    log = webhooks_sub.add_parser(
        "deliveries", help="print a page of an endpoint's delivery log, newest first (JSON)"
    )
    log.add_argument("--endpoint", required=True, type=int, help="the endpoint's id")
    log.add_argument("--state", choices=["pending", "delivered", "failed"])
    log.add_argument("--limit", type=int, default=25, help="deliveries per page (1-100, 25)")
    log.add_argument("--cursor", help="the next_cursor of the page before")
    again = webhooks_sub.add_parser(
        "resend", help="queue a copy of a delivered or failed delivery, due now (JSON)"
    )
    again.add_argument("--endpoint", required=True, type=int, help="the endpoint's id")
    again.add_argument("--delivery", required=True, type=int, help="the delivery's id")
    for command in (hooks_list, log, again):
        command.add_argument("--merchant", required=True, help="the merchant's slug")
        command.set_defaults(handler=cmd_webhooks)

    apikey = sub.add_parser("apikey", help="manage REST API keys")
    apikey_sub = apikey.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = apikey_sub.add_parser("create", help="create an API key (shown once)")
    create.add_argument("--merchant", required=True, help="the merchant's slug")
    create.add_argument("--name", required=True)
    create.set_defaults(handler=cmd_apikey_create)

    push = sub.add_parser("push", help="web push set-up")
    push_sub = push.add_subparsers(dest="action", metavar="ACTION", required=True)
    push_sub.add_parser(
        "keys", help="make a VAPID key pair and print the settings that hold it"
    ).set_defaults(handler=cmd_push_keys)
    connect = sub.add_parser(
        "connect", help="connect a Shopify, WooCommerce, PrestaShop or BaseLinker store"
    )
    stores = connect.add_subparsers(dest="platform", metavar="PLATFORM", required=True)
    shop = stores.add_parser("shopify", help="a custom app's Admin API access token")
    shop.add_argument("--merchant", required=True, help="the merchant's slug")
    shop.add_argument("--url", "--shop", required=True, help="example.myshopify.com")
    shop.add_argument(
        "--token", required=True, help="the Admin API access token (shpat_…), or - for stdin"
    )
    shop.add_argument(
        "--app-secret", required=True, help="the app's API secret key, or - for stdin"
    )
    woo = stores.add_parser("woocommerce", help="REST API keys (read/write)")
    woo.add_argument("--merchant", required=True, help="the merchant's slug")
    woo.add_argument("--url", required=True, help="https://shop.example.com")
    woo.add_argument("--key", required=True, help="the consumer key (ck_…), or - for stdin")
    woo.add_argument("--secret", required=True, help="the consumer secret (cs_…), or - for stdin")
    for cmd in (shop, woo):
        cmd.add_argument(
            "--no-webhooks", action="store_true", help="do not register Doorstep's webhooks"
        )
        cmd.set_defaults(handler=cmd_connect)
    presta = stores.add_parser("prestashop", help="a Webservice key (no webhooks: reconciled)")
    presta.add_argument("--merchant", required=True, help="the merchant's slug")
    presta.add_argument("--url", required=True, help="https://shop.example.pl (its /api)")
    presta.add_argument("--key", required=True, help="the Webservice key, or - for stdin")
    presta.set_defaults(handler=cmd_connect)
    base = stores.add_parser("baselinker", help="an API token (no webhooks: reconciled)")
    base.add_argument("--merchant", required=True, help="the merchant's slug")
    secret = base.add_mutually_exclusive_group(required=True)
    secret.add_argument("--token", help="the API token, or - to read it from standard input")
    secret.add_argument("--token-file", help="a file holding the API token")
    base.add_argument(
        "--delivered-status",
        metavar="STATUS",
        help="move a delivered parcel's order to this order status (its name or id); "
        "none: write nothing back",
    )
    base.set_defaults(handler=cmd_connect)
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
