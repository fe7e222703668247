"""Lot operations. The occupancy counter changes only here, inside the caller's transaction."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils.translation import gettext_lazy as _

from .models import Lot, Tariff

# Staff users who own lots. The group's permissions (their lots, gates,
# vehicles, payments in the admin) come from admin_portal's data migration.
LOT_OWNERS_GROUP = "Lot owners"


@dataclass(frozen=True)
class Occupancy:
    occupied: int
    capacity: int

    @property
    def available(self) -> int:
        return max(self.capacity - self.occupied, 0)


def _change_occupancy(lot_id: int, sql_change: str, sql_guard: str, now: datetime):
    table = connection.ops.quote_name(Lot._meta.db_table)
    # One statement that both checks and changes the counter: concurrent gates
    # queue on the row, and a full lot changes no row at all.
    sql = (
        f"UPDATE {table} SET occupied = occupied {sql_change}, updated_at = %s "
        f"WHERE id = %s AND {sql_guard} RETURNING occupied, capacity"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(now), lot_id])
        row = cursor.fetchone()
    return Occupancy(*row) if row else None


def occupy_space(lot_id: int, *, now: datetime) -> Occupancy | None:
    """Take one space if one is free; None when the lot is full. Call inside a transaction."""
    assert connection.in_atomic_block, "occupy_space must run in the caller's transaction"
    return _change_occupancy(lot_id, "+ 1", "occupied < capacity", now)


def free_space(lot_id: int, *, now: datetime) -> Occupancy:
    """Give one space back. Call inside the transaction that removes the vehicle."""
    assert connection.in_atomic_block, "free_space must run in the caller's transaction"
    occupancy = _change_occupancy(lot_id, "- 1", "occupied > 0", now)
    if occupancy is None:
        raise RuntimeError(f"lot {lot_id} has no occupied space to free")
    return occupancy


def occupy_spaces(counts: dict[int, int], *, now: datetime) -> None:
    """Take many spaces in many lots at once (bulk loads such as the demo's simulated cars).

    Call inside the transaction that inserts the vehicles. Raises
    IntegrityError (the capacity check constraint) if a lot would overflow.
    """
    assert connection.in_atomic_block, "occupy_spaces must run in the caller's transaction"
    items = [(lot_id, count) for lot_id, count in counts.items() if count]
    for start in range(0, len(items), 500):
        batch = items[start : start + 500]
        Lot.objects.filter(pk__in=[lot_id for lot_id, _ in batch]).update(
            occupied=F("occupied")
            + Case(*(When(pk=lot_id, then=Value(count)) for lot_id, count in batch)),
            updated_at=now,
        )


def check_capacity(lot_id: int, capacity: int) -> None:
    """Refuse a capacity below the number of vehicles parked now (ValidationError).

    Call it in the transaction that saves the new capacity: the lot row stays
    locked until then, so no vehicle gets in between the check and the save.
    """
    assert connection.in_atomic_block, "check_capacity must run in the caller's transaction"
    occupied = (
        Lot.objects.select_for_update().filter(pk=lot_id).values_list("occupied", flat=True).get()
    )
    if capacity < occupied:
        raise ValidationError(
            _("%(occupied)s vehicles are parked in this lot now: the capacity cannot be less."),
            code="capacity_below_occupied",
            params={"occupied": occupied},
        )


def make_lot_owner(user) -> None:
    """Let `user` manage their lots in the admin: staff, and in the "Lot owners" group."""
    group = Group.objects.filter(name=LOT_OWNERS_GROUP).first()
    if group is None:
        raise ImproperlyConfigured(
            f'The "{LOT_OWNERS_GROUP}" group is missing: run "python manage.py migrate".'
        )
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(group)


@transaction.atomic
def create_lot(
    *,
    owner,
    name: str,
    latitude: float,
    longitude: float,
    capacity: int,
    address: str = "",
    currency: str | None = None,
    timezone: str | None = None,
    free_minutes: int = 0,
    first_period_minutes: int = 0,
    first_period_price: int = 0,
    unit_minutes: int = 60,
    unit_price: int = 0,
    daily_cap: int | None = None,
) -> Lot:
    """Create a lot with its tariff (prices in minor units); ValidationError on bad values."""
    lot = Lot(
        owner=owner,
        name=name,
        address=address,
        latitude=latitude,
        longitude=longitude,
        capacity=capacity,
    )
    if currency:
        lot.currency = currency.upper()
    if timezone:
        lot.timezone = timezone
    lot.full_clean()
    lot.save()
    tariff = Tariff(
        lot=lot,
        free_minutes=free_minutes,
        first_period_minutes=first_period_minutes,
        first_period_price=first_period_price,
        unit_minutes=unit_minutes,
        unit_price=unit_price,
        daily_cap=daily_cap,
    )
    tariff.full_clean()
    tariff.save()
    return lot
