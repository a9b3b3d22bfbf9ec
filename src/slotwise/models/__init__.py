"""All models, imported here so that ``Base.metadata`` knows every table."""

from slotwise.models.appointments import (
    STATUSES,
    Appointment,
    AppointmentServiceItem,
    AppointmentWorker,
)
from slotwise.models.base import Base
from slotwise.models.booking import Hold, HoldVerification, IdempotencyKey, TimeClaim
from slotwise.models.catalog import (
    Holiday,
    Location,
    LocationHours,
    Service,
    Specialist,
    SpecialistBreak,
    SpecialistSchedule,
    SpecialistService,
    Workplace,
    WorkplaceServiceOverride,
)
from slotwise.models.clients import Client, ClientWallet, WalletTransaction
from slotwise.models.connections import (
    Connection,
    ConnectionMapping,
    ExternalBusyTime,
    SyncConflict,
    SyncHeldRecord,
    SyncLink,
    SyncRun,
)
from slotwise.models.events import Event
from slotwise.models.firm import ROLES, Firm, LoginThrottle, RefreshToken, User
from slotwise.models.notifications import (
    NOTIFICATION_STATUSES,
    NOTIFICATION_TYPES,
    Notification,
    PushSubscription,
)

__all__ = [
    "NOTIFICATION_STATUSES",
    "NOTIFICATION_TYPES",
    "ROLES",
    "STATUSES",
    "Appointment",
    "AppointmentServiceItem",
    "AppointmentWorker",
    "Base",
    "Client",
    "ClientWallet",
    "Connection",
    "ConnectionMapping",
    "Event",
    "ExternalBusyTime",
    "Firm",
    "Hold",
    "HoldVerification",
    "Holiday",
    "IdempotencyKey",
    "Location",
    "LocationHours",
    "LoginThrottle",
    "Notification",
    "PushSubscription",
    "RefreshToken",
    "Service",
    "Specialist",
    "SpecialistBreak",
    "SpecialistSchedule",
    "SpecialistService",
    "SyncConflict",
    "SyncHeldRecord",
    "SyncLink",
    "SyncRun",
    "TimeClaim",
    "User",
    "WalletTransaction",
    "Workplace",
    "WorkplaceServiceOverride",
]
