"""Daily analytics rollups (portal/analytics/rollups.py), the table of days to recount, the
triggers that fill it, and each parcel's problem scans kept apart from ``tracking_event``.

- ``analytics_*_day``: one row per merchant, UTC day and group, holding counts and sums
  only, so any run of days adds up to exactly what the raw rows give.
- ``analytics_dirty``: appended to by triggers whenever a write changes a figure of some
  day (a late return lands on the day its order was placed). The worker's job deletes
  the rows it reads and recounts those days; a write committed meanwhile leaves its own
  row for the next run, so no change is lost. Deletes do not mark tables that retention
  empties (tracking events): a dropped partition must not take its figures with it.
- ``analytics_shipment_problem``: (parcel, problem, reason) as the scans reported them,
  written by a trigger on ``tracking_event``; problem rates read it, never the scans, so
  they survive the scans' retention. Filled from the scans already stored.

The DDL and trigger bodies are the same on SQLite and PostgreSQL apart from the day of a
timestamp, "insert or ignore" and the trigger syntax (functions on PostgreSQL).
"""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

TABLES = {
    "analytics_dirty": (
        "id {serial}, merchant_id INT NOT NULL, fact VARCHAR(16) NOT NULL, day DATE NOT NULL"
    ),
    "analytics_rollup_state": "id INT NOT NULL PRIMARY KEY, rolled_through DATE",
    "analytics_shipment_problem": (
        "shipment_id INT NOT NULL, status VARCHAR(32) NOT NULL, reason VARCHAR(32) NOT NULL, "
        "PRIMARY KEY (shipment_id, status, reason)"
    ),
    "analytics_delivered_day": (
        "merchant_id INT NOT NULL, day DATE NOT NULL, carrier_key VARCHAR(64) NOT NULL, "
        "country VARCHAR(8) NOT NULL, delivered INT NOT NULL, with_eta INT NOT NULL, "
        "on_time INT NOT NULL, transit_n INT NOT NULL, transit_ms BIGINT NOT NULL"
    ),
    "analytics_shipped_day": (
        "merchant_id INT NOT NULL, day DATE NOT NULL, carrier_key VARCHAR(64) NOT NULL, "
        "shipped INT NOT NULL"
    ),
    "analytics_problem_day": (
        "merchant_id INT NOT NULL, day DATE NOT NULL, carrier_key VARCHAR(64) NOT NULL, "
        "status VARCHAR(32) NOT NULL, reason VARCHAR(32) NOT NULL, shipments INT NOT NULL"
    ),
    "analytics_item_day": (
        "merchant_id INT NOT NULL, day DATE NOT NULL, carrier_key VARCHAR(64) NOT NULL, "
        "variant_id INT, sku VARCHAR(255), title VARCHAR(255), sold BIGINT NOT NULL, "
        "returned BIGINT NOT NULL"
    ),
    "analytics_return_day": (
        "merchant_id INT NOT NULL, day DATE NOT NULL, carrier_key VARCHAR(64) NOT NULL, "
        "reason_id INT, resolution VARCHAR(32) NOT NULL, items INT NOT NULL, "
        "quantity BIGINT NOT NULL"
    ),
    "analytics_answer_day": (
        "merchant_id INT NOT NULL, day DATE NOT NULL, carrier_key VARCHAR(64), "
        "outcome VARCHAR(32), return_reason VARCHAR(64), metric VARCHAR(8) NOT NULL, "
        "total INT NOT NULL, top INT NOT NULL, bottom INT NOT NULL"
    ),
}
DAY_TABLES = [name for name in TABLES if name.endswith("_day")]
BY_ORDER = ("analytics_item_day", "analytics_return_day")

DIRTY = "INSERT INTO analytics_dirty (merchant_id, fact, day) "
PROBLEMS = "('exception', 'failed_attempt')"


class Mark:
    """What one table's writes make dirty: ``select`` yields (merchant, fact, day) for a
    row ``{R}`` (NEW or OLD); updates count only when one of ``columns`` changed."""

    def __init__(
        self,
        table: str,
        fact: str,
        columns: tuple[str, ...],
        select: str,
        *,
        insert: bool = True,
        delete: bool = True,
        update: bool = True,
        extra: str = "",
        inserted_when: str = "",
        past_day_of: str = "",
    ) -> None:
        self.table, self.fact, self.columns, self.select = table, fact, columns, select
        self.insert, self.delete, self.update, self.extra = insert, delete, update, extra
        #: A condition on NEW: other inserts do not even call the trigger.
        self.inserted_when = inserted_when
        #: A column whose day must be past for a write to count: the job counts today (and
        #: yesterday until it closes it) live, so marking them would only grow the table.
        #: "Past" is judged an hour ahead, so a write just before midnight still marks.
        self.past_day_of = past_day_of

    def past(self, row: str, postgres: bool) -> str:
        """SQL true when ``row``'s :attr:`past_day_of` is a day before the current one."""
        c = f"{row}.{self.past_day_of}"
        if postgres:
            return (
                f"({c} AT TIME ZONE 'UTC')::date < "
                "((now() + interval '1 hour') AT TIME ZONE 'UTC')::date"
            )
        return f"date({c}) < date('now', '+1 hour')"

    def insert_when(self, postgres: bool) -> str:
        tests = [
            t for t in (self.inserted_when, self.past_day_of and self.past("NEW", postgres)) if t
        ]
        return " AND ".join(f"({t})" for t in tests)

    def update_when(self, postgres: bool) -> str:
        changed = _changed(self, postgres)
        if not self.past_day_of:
            return changed
        return f"({changed}) AND ({self.past('OLD', postgres)} OR {self.past('NEW', postgres)})"

    @property
    def name(self) -> str:
        return f"analytics_mark_{self.table}_{self.fact}"

    def statements(self, row: str, postgres: bool) -> list[str]:
        day = "({x} AT TIME ZONE 'UTC')::date" if postgres else "date({x})"

        def fill(template: str) -> str:
            out = template.replace("{R}", row)
            while "{day(" in out:
                head, _, rest = out.partition("{day(")
                inner, _, tail = rest.partition(")}")
                out = head + day.format(x=inner) + tail
            return out

        found = [DIRTY + fill(self.select)]
        if self.extra:
            extra = fill(self.extra)
            found.insert(
                0,
                f"{extra} ON CONFLICT DO NOTHING"
                if postgres
                else extra.replace("INSERT INTO", "INSERT OR IGNORE INTO", 1),
            )
        return found


MARKS = [
    Mark(
        "shipment",
        "delivered",
        (
            "status",
            "delivered_at",
            "shipped_at",
            "first_estimated_delivery",
            "carrier_key",
            "direction",
            "order_id",
            "merchant_id",
        ),
        "SELECT {R}.merchant_id, 'delivered', {day({R}.delivered_at)} "
        "WHERE {R}.delivered_at IS NOT NULL",
    ),
    Mark(
        "shipment",
        "shipped",
        ("shipped_at", "created_at", "carrier_key", "direction", "merchant_id"),
        "SELECT {R}.merchant_id, 'shipped', {day(COALESCE({R}.shipped_at, {R}.created_at))}",
    ),
    Mark(
        "shipment",
        "orders",
        ("carrier_key", "direction", "order_id", "merchant_id"),
        "SELECT o.merchant_id, 'orders', {day(o.placed_at)} FROM orders o "
        "WHERE o.id = {R}.order_id",
    ),
    Mark(
        "orders",
        "orders",
        ("placed_at", "merchant_id"),
        "SELECT {R}.merchant_id, 'orders', {day({R}.placed_at)}",
    ),
    Mark(
        "orders",
        "delivered",
        ("ship_country",),
        "SELECT s.merchant_id, 'delivered', {day(s.delivered_at)} FROM shipment s "
        "WHERE s.order_id = {R}.id AND s.delivered_at IS NOT NULL",
        insert=False,
        delete=False,
    ),
    Mark(
        "order_item",
        "orders",
        ("order_id", "quantity", "sku", "title", "variant_id"),
        "SELECT o.merchant_id, 'orders', {day(o.placed_at)} FROM orders o "
        "WHERE o.id = {R}.order_id",
    ),
    Mark(
        "return_item",
        "orders",
        ("return_request_id", "order_item_id", "quantity", "reason_id", "resolution"),
        "SELECT o.merchant_id, 'orders', {day(o.placed_at)} FROM order_item oi "
        "JOIN orders o ON o.id = oi.order_id WHERE oi.id = {R}.order_item_id",
    ),
    Mark(
        "return_request",
        "orders",
        ("state", "merchant_id"),
        "SELECT o.merchant_id, 'orders', {day(o.placed_at)} FROM return_item ri "
        "JOIN order_item oi ON oi.id = ri.order_item_id JOIN orders o ON o.id = oi.order_id "
        "WHERE ri.return_request_id = {R}.id",
        insert=False,
        delete=False,
    ),
    # Scans are only ever added; retention drops them, which must change nothing.
    Mark(
        "tracking_event",
        "shipped",
        (),
        "SELECT s.merchant_id, 'shipped', {day(COALESCE(s.shipped_at, s.created_at))} "
        f"FROM shipment s WHERE s.id = {{R}}.shipment_id AND {{R}}.status IN {PROBLEMS}",
        delete=False,
        update=False,
        extra="INSERT INTO analytics_shipment_problem (shipment_id, status, reason) "
        "SELECT {R}.shipment_id, {R}.status, COALESCE({R}.reason, 'unknown') "
        f"WHERE {{R}}.status IN {PROBLEMS}",
        inserted_when=f"NEW.status IN {PROBLEMS}",
    ),
    Mark(
        "survey_answer",
        "answers",
        (
            "merchant_id",
            "answered_at",
            "score",
            "metric",
            "carrier_key",
            "outcome",
            "return_reason",
        ),
        "SELECT {R}.merchant_id, 'answers', {day({R}.answered_at)}",
    ),
]


def create_sql(postgres: bool) -> list[str]:
    serial = "BIGSERIAL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
    out = [
        f"CREATE TABLE {name} ({columns.format(serial=serial)})" for name, columns in TABLES.items()
    ]
    out += [f"CREATE INDEX {name}_merchant_day ON {name} (merchant_id, day)" for name in DAY_TABLES]
    # Every figure looks up its merchant's dirty days (a backlog must not mean a scan).
    out.append("CREATE INDEX analytics_dirty_merchant ON analytics_dirty (merchant_id, fact, day)")
    # Rollups of orders hold each order under "" and under its carriers: a read takes one.
    out += [
        f"CREATE INDEX {name}_merchant_carrier_day ON {name} (merchant_id, carrier_key, day)"
        for name in BY_ORDER
    ]
    for mark in MARKS:
        out += _pg_trigger(mark) if postgres else _sqlite_triggers(mark)
    return out


def _changed(mark: Mark, postgres: bool) -> str:
    test = "OLD.{c} IS DISTINCT FROM NEW.{c}" if postgres else "OLD.{c} IS NOT NEW.{c}"
    return " OR ".join(test.format(c=c) for c in mark.columns)


def _pg_trigger(mark: Mark) -> list[str]:
    def body(row: str) -> str:
        return " ".join(f"{s};" for s in mark.statements(row, True))

    function = (
        f"CREATE FUNCTION {mark.name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {body('OLD')} END IF; "
        f"IF TG_OP IN ('UPDATE', 'INSERT') THEN {body('NEW')} END IF; "
        "RETURN NULL; END $$"
    )
    out = [function]
    if mark.insert:
        inserted = mark.insert_when(True)
        when = f"WHEN ({inserted}) " if inserted else ""
        out.append(
            f"CREATE TRIGGER {mark.name}_insert AFTER INSERT ON {mark.table} "
            f"FOR EACH ROW {when}EXECUTE FUNCTION {mark.name}()"
        )
    if mark.delete:
        out.append(
            f"CREATE TRIGGER {mark.name}_delete AFTER DELETE ON {mark.table} "
            f"FOR EACH ROW EXECUTE FUNCTION {mark.name}()"
        )
    if mark.update:
        out.append(
            f"CREATE TRIGGER {mark.name}_update AFTER UPDATE OF {', '.join(mark.columns)} "
            f"ON {mark.table} FOR EACH ROW WHEN ({mark.update_when(True)}) "
            f"EXECUTE FUNCTION {mark.name}()"
        )
    return out


def _sqlite_triggers(mark: Mark) -> list[str]:
    def body(*rows: str) -> str:
        return " ".join(f"{s};" for row in rows for s in mark.statements(row, False))

    out = []
    if mark.insert:
        inserted = mark.insert_when(False)
        when = f"WHEN {inserted} " if inserted else ""
        out.append(
            f"CREATE TRIGGER {mark.name}_insert AFTER INSERT ON {mark.table} FOR EACH ROW "
            f"{when}BEGIN {body('NEW')} END"
        )
    if mark.delete:
        out.append(
            f"CREATE TRIGGER {mark.name}_delete AFTER DELETE ON {mark.table} FOR EACH ROW "
            f"BEGIN {body('OLD')} END"
        )
    if mark.update:
        out.append(
            f"CREATE TRIGGER {mark.name}_update AFTER UPDATE OF {', '.join(mark.columns)} "
            f"ON {mark.table} FOR EACH ROW WHEN {mark.update_when(False)} "
            f"BEGIN {body('OLD', 'NEW')} END"
        )
    return out


def drop_sql(postgres: bool) -> list[str]:
    out: list[str] = []
    for mark in MARKS:
        if postgres:
            out.append(f"DROP FUNCTION IF EXISTS {mark.name}() CASCADE")
        else:
            out += [
                f"DROP TRIGGER IF EXISTS {mark.name}_{e}" for e in ("insert", "delete", "update")
            ]
    return out + [f"DROP TABLE IF EXISTS {name}" for name in TABLES]


BACKFILL = (
    "INSERT INTO analytics_shipment_problem (shipment_id, status, reason) "
    "SELECT DISTINCT shipment_id, status, COALESCE(reason, 'unknown') FROM tracking_event "
    f"WHERE status IN {PROBLEMS}"
)


async def _run(client: Any, statements: list[str]) -> None:
    for statement in statements:
        await client.execute_script(statement)


async def _forward(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    await _run(client, [*create_sql(postgres), BACKFILL])


async def _backward(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    await _run(client, drop_sql(client.capabilities.dialect == "postgres"))


class Migration(migrations.Migration):
    dependencies = [("models", "0021_prestashop")]

    initial = False

    operations = [ops.RunPython(_forward, _backward)]
