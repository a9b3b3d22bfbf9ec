"""The words of each supported language."""

from __future__ import annotations

from slotwise.notifications.templates.locales import de, en, ru
from slotwise.notifications.templates.locales.base import Catalog

CATALOGS: dict[str, Catalog] = {"en": en.CATALOG, "de": de.CATALOG, "ru": ru.CATALOG}
DEFAULT_LOCALE = "en"

__all__ = ["CATALOGS", "DEFAULT_LOCALE", "Catalog"]
