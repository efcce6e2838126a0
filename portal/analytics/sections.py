"""Every analytics table (query → :class:`Table` with its chart), the screens' sections,
and the overview's headline figures.

The CSV export and the pages share these builders, so an export always has exactly the
columns and rows the page shows (the page may cut long lists; the export never does).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from portal.analytics import (
    accuracy,
    charts,
    delivery,
    labels,
    messaging,
    returns,
    satisfaction,
)
from portal.analytics.sql import Filters
from portal.analytics.tables import Column, Kind, Table, Text, display_cell
from portal.i18n import _, lazy, ngettext
from portal.models import Metric, ReturnReason

Builder = Callable[[Filters], Awaitable[Table]]
#: Rows the page shows of the long per-product and per-variant lists.
SHOWN = 20
SCORE_HINT = lazy(
    "CSAT and CES: share of answers of 4 or 5, in %. NPS: % promoters minus % detractors."
)


def _bars(table: Table, label_of: Callable[[list[Any]], str], index: int) -> list[charts.Bar]:
    kind = table.columns[index].kind
    return [
        charts.Bar(label_of(row), row[index], display_cell(kind, row[index])) for row in table.rows
    ]


def _text(value: Any) -> str:
    return value.label if isinstance(value, Text) else str(value)


async def on_time_table(f: Filters) -> Table:
    rows = await delivery.on_time(f)
    table = Table(
        "on_time",
        _("On-time delivery by carrier"),
        [
            Column("carrier", _("Carrier")),
            Column("delivered", _("Delivered"), Kind.COUNT),
            Column("with_first_eta", _("With a first ETA"), Kind.COUNT),
            Column("on_time", _("On time"), Kind.COUNT),
            Column("on_time_rate", _("On-time rate"), Kind.PERCENT),
        ],
        [
            [
                Text(r.carrier_key, labels.carrier(r.carrier_key)),
                r.delivered,
                r.with_eta,
                r.on_time,
                r.rate,
            ]
            for r in rows
        ],
        hint=_("Parcels delivered in the period, on time when delivered by the first ETA."),
    )
    table.chart = charts.bar_chart(
        "chart-on_time",
        table.title,
        _("On-time rate in % per carrier."),
        _bars(table, lambda row: _text(row[0]), 4),
        domain=(0, 100),
    )
    return table


async def accuracy_table(f: Filters) -> Table:
    rows = await accuracy.accuracy(f)
    table = Table(
        "date_accuracy",
        _("Delivery date accuracy: ours and the carrier's"),
        [
            Column("carrier", _("Carrier")),
            Column("predicted_parcels", _("Parcels with our window"), Kind.COUNT),
            Column("predicted_inside_rate", _("Inside our window"), Kind.PERCENT),
            Column("predicted_mean_error_days", _("Our mean error"), Kind.DAYS),
            Column("carrier_parcels", _("Parcels with the carrier's date"), Kind.COUNT),
            Column("carrier_inside_rate", _("On the carrier's date"), Kind.PERCENT),
            Column("carrier_mean_error_days", _("Carrier's mean error"), Kind.DAYS),
        ],
        [
            [
                r.carrier_key,
                r.ours.parcels,
                r.ours.inside_rate,
                r.ours.mean_error_days,
                r.carrier.parcels,
                r.carrier.inside_rate,
                r.carrier.mean_error_days,
            ]
            for r in rows
        ],
        hint=_(
            "Parcels delivered in the period, measured against the first date given: our "
            "first predicted window (10th to 90th percentile of past deliveries) and the "
            "carrier's first date. The error is the days between delivery and the expected "
            "day."
        ),
    )
    return table


async def _transit_table(f: Filters, by: Literal["carrier", "destination"]) -> Table:
    rows = await delivery.transit_times(f, by)
    if by == "carrier":
        key, title, first = "transit_by_carrier", _("Transit time by carrier"), _("Carrier")
        groups: list[Any] = [Text(r.group, labels.carrier(r.group)) for r in rows]
    else:
        key, title = "transit_by_destination", _("Transit time by destination country")
        first = _("Destination")
        groups = [Text(r.group, labels.country(r.group)) for r in rows]
    table = Table(
        key,
        title,
        [
            Column(by, first),
            Column("shipments", _("Delivered"), Kind.COUNT),
            Column("average_days", _("Average days"), Kind.DAYS),
        ],
        [[g, r.shipments, r.average_days] for g, r in zip(groups, rows, strict=True)],
        hint=_("Days from the ship scan to delivery, for parcels delivered in the period."),
    )
    table.chart = charts.bar_chart(
        f"chart-{key}", title, _("Average days in transit."), _bars(table, lambda r: _text(r[0]), 2)
    )
    return table


async def transit_by_carrier_table(f: Filters) -> Table:
    return await _transit_table(f, "carrier")


async def transit_by_destination_table(f: Filters) -> Table:
    return await _transit_table(f, "destination")


async def problems_table(f: Filters) -> Table:
    found = await delivery.problem_rates(f)
    table = Table(
        "problems",
        _("Exceptions and failed attempts by reason"),
        [
            Column("status", _("Problem")),
            Column("reason", _("Reason")),
            Column("shipments", _("Shipments"), Kind.COUNT),
            Column("shipped", _("Shipped"), Kind.COUNT),
            Column("rate", _("Rate"), Kind.PERCENT),
        ],
        [
            [
                Text(r.status, labels.label(labels.PROBLEMS, r.status, "Unknown")),
                Text(r.reason, labels.label(labels.REASONS, r.reason, "Reason not given")),
                r.shipments,
                r.total,
                r.rate,
            ]
            for r in found.rows
        ],
        hint=_("Share of the parcels shipped in the period; a parcel counts once per reason."),
    )
    table.chart = charts.bar_chart(
        "chart-problems",
        table.title,
        _("Share of shipped parcels in % per problem and reason."),
        _bars(table, lambda r: f"{_text(r[0])}: {_text(r[1])}", 4),
    )
    return table


async def _reason_labels(merchant_id: int) -> dict[str, dict[str, str]]:
    rows = await ReturnReason.filter(merchant_id=merchant_id).values("code", "labels")
    return {r["code"]: r["labels"] or {} for r in rows}


RETURNS_HINT = lazy("Over the orders placed in the period: returned quantity / sold quantity.")


async def return_reasons_table(f: Filters) -> Table:
    rows = await returns.return_rate_by_reason(f)
    names = await _reason_labels(f.merchant_id)
    table = Table(
        "return_reasons",
        _("Return rate by reason"),
        [
            Column("reason", _("Reason")),
            Column("returned", _("Returned"), Kind.COUNT),
            Column("sold", _("Sold"), Kind.COUNT),
            Column("return_rate", _("Return rate"), Kind.PERCENT),
        ],
        [
            [Text(r.group, labels.return_reason(names, r.group)), r.returned, r.sold, r.rate]
            for r in rows
        ],
        hint=_(RETURNS_HINT),
    )
    table.chart = charts.bar_chart(
        "chart-return_reasons",
        table.title,
        _("Returned quantity in % of the sold quantity, per reason."),
        _bars(table, lambda r: _text(r[0]), 3),
    )
    return table


async def _items_table(f: Filters, by: Literal["product", "variant"]) -> Table:
    rows = await returns.return_rate_by_item(f, by)
    if by == "product":
        key, title, first = "return_products", _("Return rate by product"), _("Product")
    else:
        key, title, first = "return_variants", _("Return rate by variant"), _("SKU")
    return Table(
        key,
        title,
        [
            Column(by, first),
            Column("title", _("Title")),
            Column("sold", _("Sold"), Kind.COUNT),
            Column("returned", _("Returned"), Kind.COUNT),
            Column("return_rate", _("Return rate"), Kind.PERCENT),
        ],
        [[r.group, r.title, r.sold, r.returned, r.rate] for r in rows],
        hint=_(RETURNS_HINT),
        shown=SHOWN,
    )


async def return_products_table(f: Filters) -> Table:
    return await _items_table(f, "product")


async def return_variants_table(f: Filters) -> Table:
    return await _items_table(f, "variant")


async def resolutions_table(f: Filters) -> Table:
    rows = await returns.resolutions(f)
    table = Table(
        "resolutions",
        _("Exchange, refund, store credit or keep the item"),
        [
            Column("resolution", _("Resolution")),
            Column("items", _("Items"), Kind.COUNT),
            Column("quantity", _("Quantity"), Kind.COUNT),
            Column("share", _("Share"), Kind.PERCENT),
        ],
        [
            [
                Text(r.resolution, labels.label(labels.RESOLUTIONS, r.resolution, "Unknown")),
                r.items,
                r.quantity,
                r.share,
            ]
            for r in rows
        ],
        hint=_(RETURNS_HINT),
    )
    table.chart = charts.bar_chart(
        "chart-resolutions",
        table.title,
        _("Share of the returned quantity in % per resolution."),
        _bars(table, lambda r: _text(r[0]), 3),
        domain=(0, 100),
    )
    return table


def _score_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("metric", _("Metric")),
        Column("answers", _("Answers"), Kind.COUNT),
        Column("score", _("Score"), Kind.SCORE),
        Column("interval_low", _("95% interval from"), Kind.SCORE),
        Column("interval_high", _("95% interval to"), Kind.SCORE),
        Column("small_sample", _("Note"), Kind.FLAG),
    ]


def _score_row(group: Any, row: satisfaction.SatisfactionRow) -> list[Any]:
    s = row.score
    return [group, _metric(row.metric), s.count, s.value, s.low, s.high, s.small_sample]


def _metric(metric: Metric) -> Text:
    return Text(metric.value, labels.label(labels.METRICS, metric.value, "Unknown"))


async def satisfaction_over_time_table(f: Filters) -> Table:
    size = satisfaction.bucket_size(f.start.date(), f.end.date())
    rows = await satisfaction.satisfaction(f, size)
    periods = satisfaction.buckets(f.start.date(), f.end.date(), size)
    title = _("Satisfaction by week") if size == "week" else _("Satisfaction by month")
    table = Table(
        "satisfaction_over_time",
        title,
        _score_columns(Column(size.value, _("Week from") if size == "week" else _("Month"))),
        [_score_row(r.group, r) for r in rows],
        hint=_(SCORE_HINT),
    )
    values = {(r.group, r.metric): r.score.value for r in rows}
    series = [
        charts.Series(_metric(m).label, [values.get((p, m)) for p in periods])
        for m in (Metric.CSAT, Metric.NPS, Metric.CES)
        if any(r.metric == m for r in rows)
    ]
    table.chart = charts.line_chart(
        "chart-satisfaction_over_time",
        title,
        _("CSAT and CES in %, NPS from -100 to 100, per period; gaps where nobody answered."),
        periods,
        series,
        domain=(-100, 100),
    )
    return table


_CUTS = {
    satisfaction.Cut.CARRIER: (
        "satisfaction_by_carrier",
        lazy("Satisfaction by carrier"),
        lazy("Carrier"),
    ),
    satisfaction.Cut.OUTCOME: (
        "satisfaction_by_outcome",
        lazy("Satisfaction by outcome"),
        lazy("Outcome"),
    ),
    satisfaction.Cut.RETURN_REASON: (
        "satisfaction_by_return_reason",
        lazy("Satisfaction by return reason"),
        lazy("Return reason"),
    ),
}


async def _cut_table(f: Filters, cut: satisfaction.Cut) -> Table:
    key, title, first = _CUTS[cut]
    rows = await satisfaction.satisfaction(f, cut)
    names = await _reason_labels(f.merchant_id) if cut == satisfaction.Cut.RETURN_REASON else {}

    def group(code: str | None) -> Text | str:
        if cut == satisfaction.Cut.OUTCOME:
            return Text(code or "", labels.label(labels.OUTCOMES, code, "Unknown"))
        if cut == satisfaction.Cut.RETURN_REASON:
            name = labels.return_reason(names, code) if code else _("Not a return")
            return Text(code or "", name)
        if cut == satisfaction.Cut.CARRIER:
            return Text(code or "", labels.carrier(code))
        return Text(code or "", code or _("Unknown"))

    table = Table(
        key,
        _(title),
        _score_columns(Column(cut.value, _(first))),
        [_score_row(group(r.group), r) for r in rows],
        hint=_(SCORE_HINT),
    )
    nps = any(r.metric == Metric.NPS for r in rows)
    table.chart = charts.bar_chart(
        f"chart-{key}",
        table.title,
        _("Each metric per group: CSAT and CES in %, NPS from -100 to 100."),
        _bars(table, lambda r: f"{_text(r[0])} · {_text(r[1])}", 3),
        domain=(-100, 100) if nps else (0, 100),
    )
    return table


async def satisfaction_by_carrier_table(f: Filters) -> Table:
    return await _cut_table(f, satisfaction.Cut.CARRIER)


async def satisfaction_by_outcome_table(f: Filters) -> Table:
    return await _cut_table(f, satisfaction.Cut.OUTCOME)


async def satisfaction_by_return_reason_table(f: Filters) -> Table:
    return await _cut_table(f, satisfaction.Cut.RETURN_REASON)


async def messages_by_channel_table(f: Filters) -> Table:
    rows = await messaging.by_channel(f)
    table = Table(
        "messages_by_channel",
        _("Messages by channel"),
        [
            Column("channel", _("Channel")),
            Column("messages", _("Messages"), Kind.COUNT),
            Column("delivered", _("Delivered"), Kind.COUNT),
            Column("failed", _("Failed"), Kind.COUNT),
            Column("delivery_rate", _("Delivery rate"), Kind.PERCENT),
            Column("failure_rate", _("Failure rate"), Kind.PERCENT),
        ],
        [
            [
                Text(r.channel, labels.label(labels.CHANNELS, r.channel, "Unknown")),
                r.messages,
                r.delivered,
                r.failed,
                r.delivery_rate,
                r.failure_rate,
            ]
            for r in rows
        ],
        hint=_(
            "Messages written in the period. Delivered: the phone network's receipt for text "
            "and WhatsApp messages; accepted by the mail server or push service for e-mail "
            "and browser notifications."
        ),
    )
    table.chart = charts.bar_chart(
        "chart-messages_by_channel",
        table.title,
        _("Delivery rate in % per channel."),
        _bars(table, lambda r: _text(r[0]), 4),
        domain=(0, 100),
    )
    return table


TABLES: dict[str, Builder] = {
    "on_time": on_time_table,
    "date_accuracy": accuracy_table,
    "transit_by_carrier": transit_by_carrier_table,
    "transit_by_destination": transit_by_destination_table,
    "problems": problems_table,
    "return_reasons": return_reasons_table,
    "resolutions": resolutions_table,
    "return_products": return_products_table,
    "return_variants": return_variants_table,
    "satisfaction_over_time": satisfaction_over_time_table,
    "satisfaction_by_carrier": satisfaction_by_carrier_table,
    "satisfaction_by_outcome": satisfaction_by_outcome_table,
    "satisfaction_by_return_reason": satisfaction_by_return_reason_table,
    "messages_by_channel": messages_by_channel_table,
}

SECTIONS: dict[str, list[str]] = {
    "overview": ["on_time", "satisfaction_over_time", "return_reasons"],
    "delivery": [
        "on_time",
        "date_accuracy",
        "transit_by_carrier",
        "transit_by_destination",
        "problems",
        "messages_by_channel",
    ],
    "returns": ["return_reasons", "resolutions", "return_products", "return_variants"],
    "satisfaction": [
        "satisfaction_over_time",
        "satisfaction_by_carrier",
        "satisfaction_by_outcome",
        "satisfaction_by_return_reason",
    ],
}


@dataclass(frozen=True, slots=True)
class Figure:
    label: str
    #: The formatted value, or None when there is no data yet.
    value: str | None
    detail: str
    small_sample: bool = False


def _count(n: int) -> str:
    return display_cell(Kind.COUNT, n)


async def headline(f: Filters) -> list[Figure]:
    """On-time rate, average transit, return rate and CSAT / NPS / CES over the period."""
    on_time = await delivery.on_time(f)
    with_eta = sum(r.with_eta for r in on_time)
    punctual = sum(r.on_time for r in on_time)
    transit = await delivery.transit_times(f, "carrier")
    delivered = sum(r.shipments for r in transit)
    days = sum(r.average_days * r.shipments for r in transit) / delivered if delivered else None
    sold = await returns.sold_quantity(f)
    returned = sum(r.returned for r in await returns.return_rate_by_reason(f))
    figures = [
        Figure(
            _("On-time delivery"),
            display_cell(Kind.PERCENT, 100 * punctual / with_eta) if with_eta else None,
            ngettext(
                "%(on_time)s of %(num)s parcel with an ETA",
                "%(on_time)s of %(num)s parcels with an ETA",
                with_eta,
            )
            % {"on_time": _count(punctual), "num": _count(with_eta)},
        ),
        Figure(
            _("Average transit"),
            None if days is None else _("%(days)s days") % {"days": display_cell(Kind.DAYS, days)},
            ngettext("%(num)s delivered parcel", "%(num)s delivered parcels", delivered)
            % {"num": _count(delivered)},
        ),
        Figure(
            _("Return rate"),
            display_cell(Kind.PERCENT, 100 * returned / sold) if sold else None,
            ngettext(
                "%(returned)s of %(num)s item sold in the period",
                "%(returned)s of %(num)s items sold in the period",
                sold,
            )
            % {"returned": _count(returned), "num": _count(sold)},
        ),
    ]
    scores = {r.metric: r.score for r in await satisfaction.satisfaction(f, None)}
    for metric in (Metric.CSAT, Metric.NPS, Metric.CES):
        score = scores.get(metric)
        name = labels.label(labels.METRICS, metric.value, "")
        if score is None or score.value is None:
            figures.append(
                Figure(name, None, ngettext("%(num)s answer", "%(num)s answers", 0) % {"num": "0"})
            )
            continue
        figures.append(
            Figure(
                name,
                display_cell(Kind.SCORE, score.value),
                ngettext(
                    "%(num)s answer, 95%% interval %(low)s to %(high)s",
                    "%(num)s answers, 95%% interval %(low)s to %(high)s",
                    score.count,
                )
                % {
                    "num": _count(score.count),
                    "low": display_cell(Kind.SCORE, score.low),
                    "high": display_cell(Kind.SCORE, score.high),
                },
                score.small_sample,
            )
        )
    return figures
