"""The catalog API: locations, workplaces, services and specialists.

Reads are open to every role of the firm (clients need them to book); writes are for admin
roles. Split into modules by resource and combined here under one ``router``.
"""

from fastapi import APIRouter

from slotwise.catalog.location_routes import router as location_router
from slotwise.catalog.offer_routes import router as offer_router
from slotwise.catalog.specialist_routes import router as specialist_router
from slotwise.errors import ERROR_RESPONSES

router = APIRouter(responses=ERROR_RESPONSES)
router.include_router(location_router)
router.include_router(offer_router)
router.include_router(specialist_router)
