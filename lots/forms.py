from django import forms
from django.utils.translation import gettext_lazy as _

from config import numbers


class LocationForm(forms.Form):
    """Where to search, from the map page's query string: a point, or an address."""

    lat = numbers.FloatField(
        required=False,
        min_value=-90,
        max_value=90,
        error_messages=dict.fromkeys(
            ("invalid", "min_value", "max_value"),
            _("The latitude must be a number between -90 and 90."),
        ),
    )
    lng = numbers.FloatField(
        required=False,
        min_value=-180,
        max_value=180,
        error_messages=dict.fromkeys(
            ("invalid", "min_value", "max_value"),
            _("The longitude must be a number between -180 and 180."),
        ),
    )
    q = forms.CharField(required=False, max_length=200, strip=True, label=_("Address or place"))
    lot = numbers.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lng") is None) and not self.errors:
            raise forms.ValidationError(_("Give both a latitude and a longitude."))
        return data

    @property
    def point(self) -> tuple[float, float] | None:
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("lat") is None or data.get("lng") is None:
            return None
        return data["lat"], data["lng"]
