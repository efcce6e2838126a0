"""The GraphQL documents Doorstep sends Shopify's Admin API, and the page sizes in them.

Kept apart from the client so their cost can be read on its own: each stays at or under
Shopify's 1,000-point single-query limit on the requested cost, computed by the rules in
portal/platforms/shopify_cost.py (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits).
"""

from __future__ import annotations

# Page sizes keep every query's requested cost (portal/platforms/shopify_cost.py) at or
# under Shopify's 1,000-point single-query limit; tests/platforms/test_shopify_cost.py
# checks each query as sent. An order page costs 2 + ORDERS_PAGE x (13 + 3 x LINE_ITEMS_PAGE
# + FULFILMENTS_PAGE x (7 + TRACKING_PAGE)) = 982; a product page 2 + PRODUCTS_PAGE x
# (3 + 2 x VARIANTS_PAGE) = 862. What a nested page leaves out is fetched per order or
# product by the follow-up queries below.
ORDERS_PAGE = 20
#: 6, not 8: room for each fulfilment's first line item (4 points), which says whether it
#: ships an exchange written to Shopify (portal/platforms/sync.py, ``apply_parcels``); an
#: order with more line items has the rest read by its follow-up, as before.
LINE_ITEMS_PAGE = 6
FULFILMENTS_PAGE = 2
TRACKING_PAGE = 2
PRODUCTS_PAGE = 20
VARIANTS_PAGE = 20
#: ``first`` of a follow-up for one order's or product's remaining line items / variants
#: (250 is the largest ``first`` Shopify accepts): 753 and 503 points.
FOLLOW_UP_PAGE = 250
#: One order's fulfilments read again when its page may have cut them: 853 points.
ALL_FULFILMENTS = 50
ALL_TRACKING = 10

LINE_ITEM_FIELDS = (
    "id sku title quantity variantTitle originalUnitPriceSet { shopMoney { amount } }"
)
#: A fulfilment ships the items of one fulfilment order, and an exchange's new items are a
#: fulfilment order of their own (https://shopify.dev/docs/apps/build/orders-fulfillment/returns-apps/read-exchanges):
#: its first line item tells an exchange's parcel from the order's.
FULFILMENT_FIELDS = (
    "id status trackingInfo(first: {tracking}) {{ company number }}"
    " fulfillmentLineItems(first: 1) {{ nodes {{ lineItem {{ id }} }} }}"
)
ORDER_FIELDS = f"""
id name email currencyCode createdAt updatedAt cancelledAt displayFinancialStatus customerLocale
totalRefundedSet {{ shopMoney {{ amount }} }}
totalShippingPriceSet {{ shopMoney {{ amount }} }}
customer {{
  id email phone firstName lastName
  emailMarketingConsent {{ marketingState }}
  smsMarketingConsent {{ marketingState }}
}}
shippingAddress {{ name address1 address2 city province zip countryCodeV2 phone }}
lineItems(first: {LINE_ITEMS_PAGE}) {{
  nodes {{ {LINE_ITEM_FIELDS} }}
  pageInfo {{ hasNextPage endCursor }}
}}
fulfillments(first: {FULFILMENTS_PAGE}) {{ {FULFILMENT_FIELDS.format(tracking=TRACKING_PAGE)} }}
"""
ORDERS_QUERY = (
    "query Orders($first: Int!, $after: String, $query: String) {"
    " orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {"
    " edges { cursor node {" + ORDER_FIELDS + "} } pageInfo { hasNextPage endCursor } } }"
)
ORDER_LINE_ITEMS_QUERY = f"""
query OrderLineItems($id: ID!, $first: Int!, $after: String) {{
  order(id: $id) {{
    lineItems(first: $first, after: $after) {{
      nodes {{ {LINE_ITEM_FIELDS} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""
ORDER_FULFILMENTS_QUERY = f"""
query OrderFulfillments($id: ID!) {{
  order(id: $id) {{
    fulfillments(first: {ALL_FULFILMENTS}) {{ {FULFILMENT_FIELDS.format(tracking=ALL_TRACKING)} }}
  }}
}}
"""
VARIANT_FIELDS = "id sku price inventoryQuantity selectedOptions { name value }"
PRODUCTS_QUERY = f"""
query Products($first: Int!, $after: String) {{
  products(first: $first, after: $after) {{
    edges {{ cursor node {{
      id handle title updatedAt
      variants(first: {VARIANTS_PAGE}) {{
        nodes {{ {VARIANT_FIELDS} }}
        pageInfo {{ hasNextPage endCursor }}
      }}
    }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
PRODUCT_VARIANTS_QUERY = f"""
query ProductVariants($id: ID!, $first: Int!, $after: String) {{
  product(id: $id) {{
    variants(first: $first, after: $after) {{
      nodes {{ {VARIANT_FIELDS} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""
SHOP_QUERY = "query { shop { name myshopifyDomain } }"
WEBHOOK_CREATE = """
mutation webhookSubscriptionCreate($topic: WebhookSubscriptionTopic!,
    $webhookSubscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
    webhookSubscription { id topic }
    userErrors { field message }
  }
}
"""
EVENT_CREATE = """
mutation fulfillmentEventCreate($fulfillmentEvent: FulfillmentEventInput!) {
  fulfillmentEventCreate(fulfillmentEvent: $fulfillmentEvent) {
    fulfillmentEvent { id status message }
    userErrors { field message }
  }
}
"""
#: A fulfilment's latest events (``Fulfillment.events``, newest first): whether an event
#: whose create failed without an answer was made after all (shopify_tracking.py).
FULFILMENT_EVENTS = 50
FULFILMENT_EVENTS_QUERY = f"""
query FulfillmentEvents($id: ID!) {{
  fulfillment(id: $id) {{
    events(first: {FULFILMENT_EVENTS}, sortKey: HAPPENED_AT, reverse: true) {{
      nodes {{ id status happenedAt }}
    }}
  }}
}}
"""
REFUND_CREATE = """
mutation refundCreate($input: RefundInput!) {
  refundCreate(input: $input) {
    refund { id }
    userErrors { field message }
  }
}
"""
#: What a return's write-back reads of its order, once per return and never in the
#: backfill (whose order page stays at 982 points): the payments a refund must name as its
#: parent (``Order.transactions``), the refunds and returns already made (so a retry after
#: a fault adopts Doorstep's own instead of making another), and the fulfilment line items
#: a ``returnCreate`` takes (``Fulfillment.fulfillmentLineItems``). 20 transactions, 20
#: refunds, 10 returns (with up to 10 exchange line items each: an adopted return's new
#: line items), 10 fulfilments of 25 lines: 899 points.
RETURN_TRANSACTIONS = 20
RETURN_REFUNDS = 20
RETURN_RETURNS = 10
RETURN_FULFILMENTS = 10
RETURN_FULFILMENT_LINES = 25
RETURN_EXCHANGE_LINES = 10
RETURN_CONTEXT_QUERY = f"""
query ReturnContext($id: ID!) {{
  order(id: $id) {{
    currencyCode presentmentCurrencyCode
    transactions(first: {RETURN_TRANSACTIONS}) {{
      id kind status gateway
      amountSet {{ shopMoney {{ amount }} }}
      parentTransaction {{ id }}
    }}
    refunds(first: {RETURN_REFUNDS}) {{ id note }}
    returns(first: {RETURN_RETURNS}) {{
      nodes {{
        id returnLineItems(first: 1) {{ nodes {{ returnReasonNote }} }}
        exchangeLineItems(first: {RETURN_EXCHANGE_LINES}) {{ nodes {{ lineItem {{ id }} }} }}
      }}
    }}
    fulfillments(first: {RETURN_FULFILMENTS}) {{
      fulfillmentLineItems(first: {RETURN_FULFILMENT_LINES}) {{
        nodes {{ id quantity lineItem {{ id }} }}
      }}
    }}
  }}
}}
"""
#: What Shopify would refund for a return's line items (``Order.suggestedRefund``), read
#: only for an order paid in another currency than the shop's: its amount in both
#: currencies (the order's rate between them) and the payments to refund in the customer's
#: currency, each with what it can still pay back
#: (https://shopify.dev/docs/api/admin-graphql/2025-01/objects/SuggestedRefund).
SUGGESTED_REFUND_QUERY = """
query SuggestedRefund($id: ID!, $refundLineItems: [RefundLineItemInput!]) {
  order(id: $id) {
    suggestedRefund(refundLineItems: $refundLineItems) {
      amountSet {
        shopMoney { amount currencyCode }
        presentmentMoney { amount currencyCode }
      }
      suggestedTransactions {
        gateway kind
        amountSet { presentmentMoney { amount currencyCode } }
        maximumRefundableSet { presentmentMoney { amount currencyCode } }
        parentTransaction { id }
      }
    }
  }
}
"""
#: The store's variants with a SKU (``productVariants(query: "sku:…")``): an exchange's
#: new variant by the SKU Doorstep keeps. 12 points.
VARIANTS_BY_SKU_QUERY = """
query VariantsBySku($query: String!) {
  productVariants(first: 10, query: $query) { nodes { id sku } }
}
"""
RETURN_CREATE = """
mutation returnCreate($returnInput: ReturnInput!) {
  returnCreate(returnInput: $returnInput) {
    return { id status exchangeLineItems(first: 10) { nodes { lineItem { id } } } }
    userErrors { code field message }
  }
}
"""
