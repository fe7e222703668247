import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from .money import CURRENCIES, format_money


def validate_timezone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("%(name)s is not a known time zone."), params={"name": name}
        ) from exc


def validate_currency(code: str) -> None:
    if code not in CURRENCIES:
        raise ValidationError(
            _("%(code)s is not an ISO 4217 currency code (three capital letters, such as TWD)."),
            params={"code": code},
            code="invalid_currency",
        )


def default_currency() -> str:
    return settings.DEFAULT_CURRENCY


def default_timezone() -> str:
    return settings.TIME_ZONE


class Lot(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="lots",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    capacity = models.PositiveIntegerField(_("capacity"))
    # Kept equal to the number of ParkingSessions in the lot by parking's
    # services (a conditional UPDATE in the same transaction as the insert or
    # delete); the check constraint below is the backstop.
    occupied = models.PositiveIntegerField(_("occupied"), default=0, editable=False)
    currency = models.CharField(
        _("currency"), max_length=3, default=default_currency, validators=[validate_currency]
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default=default_timezone, validators=[validate_timezone]
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Whether `occupied` is a live count: gates count the lot's cars in and out.
    # parking sets it when a lot's first entry gate is saved and clears it when its
    # last is deleted. A lot imported from open data has a capacity and nothing more,
    # and the map must not call it "179 of 179 spaces free".
    live_vacancy = models.BooleanField(
        _("live vacancy"), default=False, db_default=False, editable=False
    )
    # Where an imported lot came from (open data set and its id), for re-imports.
    source = models.CharField(_("source"), max_length=50, blank=True)
    source_id = models.CharField(_("source id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("parking lot")
        verbose_name_plural = _("parking lots")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["latitude", "longitude"], name="lot_lat_lng")]
        constraints = [
            models.CheckConstraint(
                condition=Q(occupied__gte=0) & Q(occupied__lte=F("capacity")),
                name="lot_occupied_within_capacity",
            ),
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source=""),
                name="lot_unique_source_id",
            ),
        ]

    # Written by the gates' own UPDATEs only (see save).
    KEPT_BY_GATES = frozenset({"occupied", "live_vacancy"})

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # The occupancy counter belongs to the gates (lots.services.occupy_space
        # and free_space, one conditional UPDATE each), and whether an entry gate
        # counts the cars to parking: saving an edited lot must never write back
        # what it read a moment ago.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.KEPT_BY_GATES
            ]
        super().save(*args, **kwargs)

    @property
    def available(self) -> int:
        return max(self.capacity - self.occupied, 0)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


# The longest stretch a sign's minutes may name: a month. Longer is a typing slip
# (99999999999 free minutes once made every fee computation of the lot fail).
MAX_TARIFF_MINUTES = 31 * 24 * 60
# The most a price may be, in minor units: what its column holds on PostgreSQL.
MAX_TARIFF_PRICE = 2**31 - 1
_PRICE_RANGE = [MaxValueValidator(MAX_TARIFF_PRICE)]


class Tariff(models.Model):
    """The rules printed on a lot's sign. Prices are in the lot's currency, minor units.

    "First hour NT$30, then NT$15 per half hour, daily max NT$180" is
    first_period_minutes=60, first_period_price=3000, unit_minutes=30,
    unit_price=1500, daily_cap=18000.
    """

    lot = models.OneToOneField(
        Lot, on_delete=models.CASCADE, related_name="tariff", verbose_name=_("lot")
    )
    free_minutes = models.PositiveIntegerField(
        _("free minutes"),
        default=0,
        validators=[MaxValueValidator(MAX_TARIFF_MINUTES)],
        help_text=_("A stay of at most this many minutes is free."),
    )
    first_period_minutes = models.PositiveIntegerField(
        _("first period (minutes)"),
        default=0,
        validators=[MaxValueValidator(MAX_TARIFF_MINUTES)],
        help_text=_("Length of a first period with its own price; 0 for none."),
    )
    first_period_price = models.PositiveIntegerField(
        _("first period price"), default=0, validators=_PRICE_RANGE
    )
    unit_minutes = models.PositiveIntegerField(
        _("billing unit (minutes)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARIFF_MINUTES)],
        help_text=_("Time after the first period is billed in these units, rounded up."),
    )
    unit_price = models.PositiveIntegerField(
        _("price per unit"), default=0, validators=_PRICE_RANGE
    )
    daily_cap = models.PositiveIntegerField(
        _("daily maximum"),
        null=True,
        blank=True,
        validators=_PRICE_RANGE,
        help_text=_("Most a vehicle pays per calendar day in the lot's time zone; empty for none."),
    )

    class Meta:
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        constraints = [
            models.CheckConstraint(condition=Q(unit_minutes__gte=1), name="tariff_unit_positive"),
            models.CheckConstraint(
                condition=Q(first_period_minutes__gt=0) | Q(first_period_price=0),
                name="tariff_first_period_price_needs_length",
                violation_error_message=_(
                    "A first period price needs the first period's length: set its "
                    "minutes, or make its price 0."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """The sign in words, e.g. "First 60 min NT$30, then NT$15 per 30 min, daily max NT$180"."""
        currency = self.lot.currency
        parts = []
        # A first period priced at nothing, at least as long as the free minutes, is
        # free time: "first 60 min free", not "NT$0". (Free minutes beyond it are a
        # grace for short stays: a longer one pays units from the period's end.)
        # Free minutes alone are that grace too: a longer stay pays from its entry, so
        # they read as one, "free up to 15 min" (15 分鐘內免費; a stay of exactly 15 is
        # free, parking.fees). "First 15 min free" made drivers who stayed longer feel
        # charged for them.
        free_first = (
            self.first_period_minutes > 0
            and self.first_period_price == 0
            and self.first_period_minutes >= self.free_minutes
        )
        if free_first:
            parts.append(_("first %(minutes)s min free") % {"minutes": self.first_period_minutes})
        elif self.free_minutes:
            parts.append(_("free up to %(minutes)s min") % {"minutes": self.free_minutes})
        if self.first_period_minutes and not free_first:
            parts.append(
                _("first %(minutes)s min %(price)s")
                % {
                    "minutes": self.first_period_minutes,
                    "price": format_money(self.first_period_price, currency),
                }
            )
        unit = {"price": format_money(self.unit_price, currency), "minutes": self.unit_minutes}
        if self.first_period_minutes:
            parts.append(_("then %(price)s per %(minutes)s min") % unit)
        else:
            parts.append(_("%(price)s per %(minutes)s min") % unit)
        if self.daily_cap is not None:
            parts.append(
                _("daily max %(price)s") % {"price": format_money(self.daily_cap, currency)}
            )
        return pgettext("between the parts of a tariff", ", ").join(str(part) for part in parts)
