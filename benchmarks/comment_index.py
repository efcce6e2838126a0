"""The comments list of the Satisfaction analytics, before and after migration 0037, A/B.

``python -m benchmarks.comment_index [--rounds 3] [--runs 5] [--database URL]``

PostgreSQL only, on a database ``benchmarks.analytics`` seeded (its answers carry
comments since 2026-12-07) and migrated. Each round times, in turn, **A** the query as it
was (answers with a comment, ordered by id, no index of their own: ``DROP INDEX
survey_answer_comments``) and **B** the portal's ``comments()`` with the index (created
again), over the cases ``benchmarks.analytics`` times, first and fifth page. Prints per
case the min / median / max over the rounds of each round's median, and per variant the
CPU of this process and of the database's PostgreSQL backends per page served. The
index is left as it was found (present once the database has migration 0037).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

from benchmarks.analytics import COMMENT_PAGES, comment_cases, comment_pages, median_ms
from benchmarks.common import DEFAULT_POSTGRES, machine_load, postgres_cpu, table

INDEX = (
    "CREATE INDEX IF NOT EXISTS survey_answer_comments ON survey_answer "
    "(merchant_id, answered_at, id) WHERE comment IS NOT NULL"
)


async def by_id(merchant: Any, filters: Any, before: int | None) -> tuple[list[Any], int | None]:
    """The list's query before 2026-12-07: newest first by id, ``id < before``."""
    from portal.admin.survey_feedback import COMMENTS_PAGE
    from portal.models import SurveyAnswer

    query = (
        SurveyAnswer.filter(
            merchant_id=merchant.id,
            answered_at__gte=filters.start,
            answered_at__lt=filters.end,
            comment__not_isnull=True,
        )
        .exclude(comment="")
        .select_related("survey")
    )
    if filters.carrier_key:
        query = query.filter(carrier_key=filters.carrier_key)
    if before is not None:
        query = query.filter(id__lt=before)
    rows = await query.order_by("-id").limit(COMMENTS_PAGE + 1)
    shown = rows[:COMMENTS_PAGE]
    return shown, shown[-1].id if len(rows) > COMMENTS_PAGE else None


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.comment_index")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per page (median)")
    parser.add_argument("--database", default=DEFAULT_POSTGRES)
    args = parser.parse_args(argv)

    from tortoise import connections

    from portal import db
    from portal.admin.survey_feedback import comments
    from portal.models import Merchant

    await db.connect(args.database)
    conn = connections.get("default")
    variants = {"A by id, no index": by_id, "B by time, index 0037": comments}
    setup = dict(zip(variants, ("DROP INDEX IF EXISTS survey_answer_comments", INDEX), strict=True))
    medians: dict[tuple[str, str, int], list[float]] = {}
    cpu: dict[str, list[float]] = {name: [0.0, 0.0, 0.0] for name in variants}  # own, pg, pages
    try:
        found = await conn.execute_query_dict(
            "SELECT 1 FROM pg_indexes WHERE indexname = 'survey_answer_comments'"
        )
        merchants = {m.id: m for m in await Merchant.all()}
        count = (await conn.execute_query_dict("SELECT count(*) AS n FROM survey_answer"))[0]["n"]
        for _ in range(args.rounds):
            for name, run in variants.items():
                await conn.execute_script(setup[name])
                for label, f in comment_cases().items():
                    async for page, call in comment_pages(run, merchants[f.merchant_id], f):
                        own, pg = time.process_time(), postgres_cpu(args.database)
                        ms = await median_ms(call, args.runs)
                        cpu[name][0] += time.process_time() - own
                        cpu[name][1] += postgres_cpu(args.database) - pg
                        cpu[name][2] += args.runs + 1
                        medians.setdefault((label, name, page), []).append(ms)
        await conn.execute_script(setup[list(variants)[1 if found else 0]])  # as it was
    finally:
        await db.disconnect()
    rows: list[list[object]] = [["case", "page", "variant", "min ms", "median ms", "max ms"]]
    for (label, name, page), found in medians.items():
        rows.append(
            [label, COMMENT_PAGES[page], name]
            + [f"{v:,.1f}" for v in (min(found), statistics.median(found), max(found))]
        )
    print(f"comments list on PostgreSQL, {count:,} answers, {args.rounds} rounds A/B, "
          f"each the median of {args.runs} runs")  # fmt: skip
    print(table(rows))
    for name, (own, pg, pages) in cpu.items():
        print(f"{name}: CPU ms per page, this process {own / pages * 1000:.1f}, "
              f"PostgreSQL {pg / pages * 1000:.1f}")  # fmt: skip
    print(f"{machine_load()} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
