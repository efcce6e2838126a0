"""The data model for the whole loop: one module per family of tables."""

from portal.models.consent import ConsentChange, ConsentSource
from portal.models.limits import RateLimitCount
from portal.models.merchants import (
    ApiKey,
    CarrierAccount,
    CarrierPace,
    IdempotencyRecord,
    Merchant,
    Role,
    StaffUser,
)
from portal.models.messaging import Channel, MessageState, NotificationTemplate, OutboxMessage
from portal.models.orders import Customer, Order, OrderItem, ProductVariant
from portal.models.returns import (
    CreditEntry,
    Exchange,
    Resolution,
    ReturnItem,
    ReturnMethod,
    ReturnPolicy,
    ReturnReason,
    ReturnRequest,
    ReturnState,
    ReturnTransition,
)
from portal.models.surveys import Metric, Outcome, Survey, SurveyAnswer
from portal.models.tracking import Direction, DomainEvent, EventSource, Shipment, TrackingEvent
from portal.models.webhooks import DeliveryState, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiKey",
    "CarrierAccount",
    "CarrierPace",
    "Channel",
    "ConsentChange",
    "ConsentSource",
    "CreditEntry",
    "Customer",
    "DeliveryState",
    "Direction",
    "DomainEvent",
    "EventSource",
    "Exchange",
    "IdempotencyRecord",
    "Merchant",
    "MessageState",
    "Metric",
    "NotificationTemplate",
    "Order",
    "OrderItem",
    "OutboxMessage",
    "Outcome",
    "ProductVariant",
    "RateLimitCount",
    "Resolution",
    "ReturnItem",
    "ReturnMethod",
    "ReturnPolicy",
    "ReturnReason",
    "ReturnRequest",
    "ReturnState",
    "ReturnTransition",
    "Role",
    "Shipment",
    "StaffUser",
    "Survey",
    "SurveyAnswer",
    "TrackingEvent",
    "WebhookDelivery",
    "WebhookEndpoint",
]
