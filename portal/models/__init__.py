"""The data model for the whole loop: one module per family of tables."""

from portal.models.attention import AttentionItem, AttentionKind
from portal.models.claims import Claim, ClaimKind, ClaimState
from portal.models.consent import ConsentChange, ConsentSource
from portal.models.limits import CarrierPace, MaintenanceRun, RateLimitCount
from portal.models.merchants import (
    ApiKey,
    CarrierAccount,
    IdempotencyRecord,
    Merchant,
    Role,
    StaffUser,
)
from portal.models.messaging import (
    Channel,
    DuplicateMessage,
    MessageState,
    NotificationTemplate,
    OutboxMessage,
    PushSubscription,
    WhatsAppTemplate,
)
from portal.models.orders import Customer, Order, OrderItem, ProductVariant
from portal.models.platforms import (
    Platform,
    PlatformConnection,
    PlatformPush,
    PlatformRecord,
    PlatformWebhookReceipt,
    PushState,
    RecordKind,
)
from portal.models.prediction import (
    AlertKind,
    BusinessDay,
    ScanGap,
    ShipmentAlert,
    ShipmentPrediction,
    TransitStat,
)
from portal.models.privacy import Erasure
from portal.models.returns import (
    CreditEntry,
    Exchange,
    Resolution,
    ReturnItem,
    ReturnKind,
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
from portal.models.withdrawals import Withdrawal

__all__ = [
    "AlertKind",
    "ApiKey",
    "AttentionItem",
    "AttentionKind",
    "BusinessDay",
    "CarrierAccount",
    "CarrierPace",
    "Channel",
    "Claim",
    "ClaimKind",
    "ClaimState",
    "ConsentChange",
    "ConsentSource",
    "CreditEntry",
    "Customer",
    "DeliveryState",
    "Direction",
    "DomainEvent",
    "DuplicateMessage",
    "Erasure",
    "EventSource",
    "Exchange",
    "IdempotencyRecord",
    "MaintenanceRun",
    "Merchant",
    "MessageState",
    "Metric",
    "NotificationTemplate",
    "Order",
    "OrderItem",
    "OutboxMessage",
    "Outcome",
    "Platform",
    "PlatformConnection",
    "PlatformPush",
    "PlatformRecord",
    "PlatformWebhookReceipt",
    "ProductVariant",
    "PushState",
    "PushSubscription",
    "RateLimitCount",
    "RecordKind",
    "Resolution",
    "ReturnItem",
    "ReturnKind",
    "ReturnMethod",
    "ReturnPolicy",
    "ReturnReason",
    "ReturnRequest",
    "ReturnState",
    "ReturnTransition",
    "Role",
    "ScanGap",
    "Shipment",
    "ShipmentAlert",
    "ShipmentPrediction",
    "StaffUser",
    "Survey",
    "SurveyAnswer",
    "TrackingEvent",
    "TransitStat",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WhatsAppTemplate",
    "Withdrawal",
]
