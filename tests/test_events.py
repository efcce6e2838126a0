"""Domain events commit or roll back together with their cause and their listeners' work."""

from __future__ import annotations

import pytest
from tortoise.transactions import in_transaction

from portal import event_catalogue, events
from portal.event_catalogue import RETURN_RESOLVED
from portal.models import DomainEvent, Merchant
from tests import factories


@pytest.fixture(autouse=True)
def test_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kinds only these tests emit, declared in the catalogue while they run."""
    for kind in ("test.happened", "test.fails", "test.bulk", "test.bulk_fails", "test.context"):
        monkeypatch.setitem(event_catalogue.KINDS, kind, event_catalogue.EventKind(kind, dict))


async def test_it_records_the_event_and_runs_listeners_in_the_same_transaction(db: str) -> None:
    shop = await factories.merchant()
    seen: list[str] = []

    @events.listen("test.happened")
    async def on_happened(event: DomainEvent, ctx: events.ListenerContext) -> None:
        seen.append(event.kind)
        await Merchant.filter(id=event.merchant_id).using_db(ctx.conn).update(name="Touched")

    async with in_transaction() as conn:
        await events.emit(
            merchant_id=shop.id,
            kind="test.happened",
            subject_type="merchant",
            subject_id=shop.id,
            payload={"a": 1},
            using_db=conn,
            settings=factories.app_settings(),
        )
    assert seen == ["test.happened"]
    assert (await Merchant.get(id=shop.id)).name == "Touched"
    assert await DomainEvent.filter(kind="test.happened").count() == 1


async def test_a_failing_listener_rolls_back_the_cause(db: str) -> None:
    shop = await factories.merchant()

    @events.listen("test.fails")
    async def boom(event: DomainEvent, ctx: events.ListenerContext) -> None:
        raise RuntimeError("listener failed")

    with pytest.raises(RuntimeError):
        async with in_transaction() as conn:
            await Merchant.filter(id=shop.id).using_db(conn).update(name="Changed")
            await events.emit(
                merchant_id=shop.id,
                kind="test.fails",
                subject_type="merchant",
                subject_id=shop.id,
                payload={},
                using_db=conn,
                settings=factories.app_settings(),
            )
    assert (await Merchant.get(id=shop.id)).name != "Changed"
    assert await DomainEvent.filter(kind="test.fails").count() == 0


async def test_emit_many_records_every_event_and_hands_listeners_their_stored_ids(db: str) -> None:
    shop = await factories.merchant()
    seen: list[tuple[int, int, dict[str, int]]] = []

    @events.listen("test.bulk")
    async def on_bulk(event: DomainEvent, ctx: events.ListenerContext) -> None:
        seen.append((event.id, event.subject_id, event.payload))

    specs = [
        events.EventSpec(shop.id, "test.bulk", "merchant", subject, {"n": subject})
        for subject in (7, 3, 7, 1)
    ]
    async with in_transaction() as conn:
        recorded = await events.emit_many(specs, using_db=conn, settings=factories.app_settings())
    assert [e.subject_id for e in recorded] == [7, 3, 7, 1]
    assert [s for _, s, _ in seen] == [7, 3, 7, 1]
    for event_id, subject, payload in seen:
        stored = await DomainEvent.get(id=event_id)
        assert (
            (stored.subject_id, stored.payload) == (subject, payload) == (subject, {"n": subject})
        )
    # The instances handed out are what reading them back gives, and known to be stored.
    stored_first = await DomainEvent.get(id=recorded[0].id)
    assert recorded[0]._saved_in_db
    assert (recorded[0].merchant_id, recorded[0].kind, recorded[0].occurred_at) == (
        stored_first.merchant_id,
        stored_first.kind,
        stored_first.occurred_at,
    )
    assert recorded[0].processed_at is None
    assert await events.emit_many([], using_db=conn, settings=factories.app_settings()) == []


async def test_a_failing_listener_rolls_back_a_bulk_emit_and_its_cause(db: str) -> None:
    shop = await factories.merchant()

    @events.listen("test.bulk_fails")
    async def boom(event: DomainEvent, ctx: events.ListenerContext) -> None:
        if event.subject_id == 2:
            raise RuntimeError("listener failed")

    specs = [events.EventSpec(shop.id, "test.bulk_fails", "merchant", n) for n in (1, 2)]
    with pytest.raises(RuntimeError):
        async with in_transaction() as conn:
            await Merchant.filter(id=shop.id).using_db(conn).update(name="Changed")
            await events.emit_many(specs, using_db=conn, settings=factories.app_settings())
    assert (await Merchant.get(id=shop.id)).name != "Changed"
    assert await DomainEvent.filter(kind="test.bulk_fails").count() == 0


async def test_listeners_get_the_emitters_settings_and_connection(db: str) -> None:
    shop = await factories.merchant()
    settings = factories.app_settings()
    seen: list[events.ListenerContext] = []

    @events.listen("test.context")
    async def on_context(event: DomainEvent, ctx: events.ListenerContext) -> None:
        seen.append(ctx)

    async with in_transaction() as conn:
        await events.emit(
            merchant_id=shop.id,
            kind="test.context",
            subject_type="merchant",
            subject_id=shop.id,
            payload={},
            using_db=conn,
            settings=settings,
        )
    (ctx,) = seen
    assert ctx.conn is conn and ctx.settings is settings
    assert ctx.now.tzinfo is not None


async def test_a_kind_the_catalogue_lacks_is_refused_and_nothing_is_written(db: str) -> None:
    shop = await factories.merchant()
    with pytest.raises(event_catalogue.UnknownEventKind, match=r"not in portal\.event_catalogue"):
        async with in_transaction() as conn:
            await events.emit(
                merchant_id=shop.id,
                kind="shipment.teleported",
                subject_type="shipment",
                subject_id=1,
                payload={},
                using_db=conn,
                settings=factories.app_settings(),
            )
    with pytest.raises(event_catalogue.UnknownEventKind):
        async with in_transaction() as conn:
            await events.emit_many(
                [events.EventSpec(shop.id, "shipment.teleported", "shipment", 1)],
                using_db=conn,
                settings=factories.app_settings(),
            )
    assert await DomainEvent.filter(kind="shipment.teleported").count() == 0


def test_listeners_run_in_the_order_listener_modules_names_whatever_was_imported_first() -> None:
    # This test module imported portal.surveys.scheduling (and others) before any event
    # was emitted: the order still follows LISTENER_MODULES.
    import portal.surveys.scheduling  # noqa: F401

    events.ensure_listeners_loaded()
    for kind in (RETURN_RESOLVED, "*"):
        modules = [f.__module__ for f in events._listeners[kind]]
        ranks = [events.LISTENER_MODULES.index(m) for m in modules if m in events.LISTENER_MODULES]
        assert ranks == sorted(ranks), modules
    resolved = [f.__module__ for f in events._listeners[RETURN_RESOLVED]]
    assert resolved.index("portal.returns.notifications") < resolved.index(
        "portal.surveys.scheduling"
    ), "the customer reads that the return is resolved before the survey about it"
