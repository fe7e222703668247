"""The owners' admin: every ModelAdmin here shows only what admin_portal.scoping allows."""

from . import events, gates, lots, payments, vehicles  # noqa: F401  (registers the admins)
