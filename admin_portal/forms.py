from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from lots.models import MAX_TARIFF_PRICE, Lot, Tariff, default_currency, validate_timezone
from lots.money import (
    NotPayableInCash,
    format_money,
    in_coins,
    smallest_coin,
    to_major,
    to_minor,
)
from lots.services import check_capacity
from parking.models import ParkingSession
from parking.plates import InvalidPlate, normalise_plate
from parking.services import VehicleRefused, check_plate_free


class LotForm(forms.ModelForm):
    class Meta:
        model = Lot
        fields = ["capacity"]  # the admin adds the others it shows

    def clean_timezone(self):
        # Here, not only by the model field's validator: that runs once the value is on
        # the lot, and the page shown again with the error reads the lot's clock.
        name = self.cleaned_data["timezone"]
        validate_timezone(name)
        return name

    def clean_currency(self):
        # "twd" is TWD: stored as typed, a platform reporting TWD would not match it.
        return self.cleaned_data["currency"].strip().upper()

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if self.instance.pk is not None:
            # Locks the lot row until the admin's transaction saves: no car gets in between.
            check_capacity(self.instance.pk, capacity)
        return capacity


def _as_printed(amount: Decimal) -> Decimal:
    """30, not 30.00: prices as the sign prints them."""
    return amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount


class TariffForm(forms.ModelForm):
    """Prices as printed on the sign, in the lot's currency (30 is NT$30); stored in minor units."""

    PRICES = ("first_period_price", "unit_price", "daily_cap")

    class Meta:
        model = Tariff
        fields = [
            "free_minutes",
            "first_period_minutes",
            "first_period_price",
            "unit_minutes",
            "unit_price",
            "daily_cap",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The currency the prices are shown in: the lot's as stored (the page may change it).
        self.shown_in = self._currency()
        for name in self.PRICES:
            model_field = Tariff._meta.get_field(name)
            self.fields[name] = forms.DecimalField(
                label=capfirst(model_field.verbose_name),
                # Blank is none (the daily maximum) or 0 (a first period's price, which
                # only counts with its minutes); a price per unit is always asked for.
                required=name == "unit_price",
                min_value=0,
                max_digits=12,
                help_text=model_field.help_text
                or _("As printed on the sign, in the lot's currency (30 is NT$30)."),
            )
            if self.instance.pk is not None and getattr(self.instance, name) is not None:
                self.initial[name] = _as_printed(
                    to_major(getattr(self.instance, name), self.shown_in)
                )

    def has_changed(self):
        # The lot's currency changed on the same page: the prices, as shown, are read in
        # the new one and saved again (NT$15 becomes ¥15, not the ¥1,500 its hundredths
        # would make), even where the numbers were left as they were.
        return super().has_changed() or self.shown_in != self._currency()

    def _currency(self) -> str:
        # In an inline, the lot being edited (or added) is the formset's parent.
        lot = getattr(self.fields.get("lot"), "parent_instance", None)
        if lot is None and self.instance.lot_id is not None:
            lot = self.instance.lot
        return lot.currency if lot is not None else default_currency()

    def clean(self):
        cleaned_data = super().clean()
        currency = self._currency()
        for name in self.PRICES:
            if cleaned_data.get(name) is None:
                if name == "first_period_price" and name not in self.errors:
                    cleaned_data[name] = 0
                continue
            try:
                cleaned_data[name] = to_minor(cleaned_data[name], currency)
            except NotPayableInCash:
                self.add_error(
                    name,
                    ValidationError(
                        _(
                            "Prices in %(currency)s are whole multiples of %(coin)s: no coin "
                            "pays less."
                        ),
                        code="not_payable_in_cash",
                        params={
                            "currency": currency,
                            "coin": format_money(smallest_coin(currency), currency),
                        },
                    ),
                )
                continue
            except ValueError:
                self.add_error(
                    name,
                    ValidationError(
                        _("This is not an amount in %(currency)s."),
                        code="invalid_amount",
                        params={"currency": currency},
                    ),
                )
                continue
            if cleaned_data[name] > MAX_TARIFF_PRICE:
                # Said in the sign's units: the column's limit is in minor units.
                self.add_error(
                    name,
                    ValidationError(
                        _("A price is at most %(max)s."),
                        code="max_value",
                        params={
                            "max": format_money(in_coins(MAX_TARIFF_PRICE, currency), currency)
                        },
                    ),
                )
        return cleaned_data


class PlateCorrectionForm(forms.ModelForm):
    """The plate, normalised and validated as at the gate; one vehicle per plate in a lot."""

    plate = forms.CharField(
        label=capfirst(ParkingSession._meta.get_field("plate").verbose_name),
        max_length=64,
        help_text=_("As printed on the plate: ABC-1234, abc 1234 and ABC1234 are one plate."),
    )

    class Meta:
        model = ParkingSession
        fields = ["plate"]

    def clean_plate(self):
        try:
            plate = normalise_plate(self.cleaned_data["plate"])
            check_plate_free(self.instance.lot_id, plate, session_id=self.instance.pk)
        except InvalidPlate as invalid:
            raise ValidationError(invalid.message, code="invalid_plate") from None
        except VehicleRefused as refused:
            raise ValidationError(refused.message, code=refused.code) from None
        return plate
