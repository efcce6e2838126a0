"""``/customers/{id}``: what Doorstep holds for one of the shop's customers.

The id is the one order payloads carry in ``customer.id``: the store-credit ledger
(``/customers/{id}/credit``), written when a return granting credit is resolved, and the
customer's data: everything held as one document (``/customers/{id}/export``) or erased
(``POST /customers/{id}/erase``, see docs/privacy.md).
"""

from __future__ import annotations

from decimal import Decimal

from portal import privacy
from portal.api.errors import not_found
from portal.api.operations import Call, Operation, Param, Reply
from portal.api.schemas import component, nullable, obj, string
from portal.models import Customer, ReturnRequest
from portal.returns import credit

CREDIT = component(
    "CreditLedger",
    obj(
        {
            "customer_id": {"type": "integer"},
            "balances": {
                "type": "object",
                "description": 'Balance per currency, decimal strings: {"EUR": "12.50"}.',
            },
            "entries": {
                "type": "array",
                "items": obj(
                    {
                        "amount": string(description="Positive: issued; negative: used."),
                        "currency": string(),
                        "reason": string(),
                        "return_number": nullable(string()),
                        "created_at": string(format="date-time"),
                    }
                ),
            },
        }
    ),
)


async def get_credit(call: Call) -> Reply:
    customer = await Customer.get_or_none(id=call.path["id"], merchant_id=call.merchant_id)
    if customer is None:
        raise not_found("customer")
    found = await credit.ledger(customer.id)
    return_ids = [e.return_request_id for e in found.entries if e.return_request_id]
    numbers = (
        dict(await ReturnRequest.filter(id__in=return_ids).values_list("id", "number"))
        if return_ids
        else {}
    )
    return Reply(
        200,
        {
            "customer_id": customer.id,
            "balances": {c: f"{Decimal(v):.2f}" for c, v in sorted(found.balances.items())},
            "entries": [
                {
                    "amount": f"{Decimal(e.amount):.2f}",
                    "currency": e.currency,
                    "reason": e.reason,
                    "return_number": numbers.get(e.return_request_id),
                    "created_at": e.created_at.isoformat(),
                }
                for e in found.entries
            ],
        },
    )


EXPORT = component(
    "CustomerExport",
    {
        "type": "object",
        "description": "Everything held about the customer: customer, orders (with items), "
        "shipments (with scans), messages, returns, withdrawals, claims, surveys (with "
        "answers), consent_history, erasures.",
    },
)
ERASURE = component(
    "CustomerErasure",
    obj(
        {
            "customer_id": {"type": "integer"},
            "erased_at": string(format="date-time"),
            "actor": string(),
            "counts": {"type": "object", "description": "Rows anonymised per table."},
        }
    ),
)


async def _customer(call: Call) -> Customer:
    customer = await Customer.get_or_none(id=call.path["id"], merchant_id=call.merchant_id)
    if customer is None:
        raise not_found("customer")
    return customer


async def export_customer(call: Call) -> Reply:
    return Reply(200, await privacy.export(await _customer(call)))


async def erase_customer(call: Call) -> Reply:
    customer = await _customer(call)
    record = await privacy.erase(
        customer, actor=f"api_key:{call.caller.api_key_id}", settings=call.settings
    )
    return Reply(
        200,
        {
            "customer_id": customer.id,
            "erased_at": record.erased_at.isoformat(),
            "actor": record.actor,
            "counts": record.counts,
        },
    )


CUSTOMER_ID = Param(
    "id",
    {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    "The customer's id.",
    "path",
    True,
)

OPERATIONS = [
    Operation(
        "GET",
        "/customers/{id}/credit",
        "getCustomerCredit",
        "A customer's store-credit ledger and balance per currency",
        "customers",
        get_credit,
        {200: CREDIT},
        params=(CUSTOMER_ID,),
    ),
    Operation(
        "GET",
        "/customers/{id}/export",
        "exportCustomer",
        "Everything held about a customer, as one JSON document",
        "customers",
        export_customer,
        {200: EXPORT},
        params=(CUSTOMER_ID,),
    ),
    Operation(
        "POST",
        "/customers/{id}/erase",
        "eraseCustomer",
        "Anonymise a customer's personal data everywhere (figures are kept); irreversible",
        "customers",
        erase_customer,
        {200: ERASURE},
        params=(CUSTOMER_ID,),
    ),
]
