from django.contrib import admin, messages
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from parking.models import Gate
from parking.services import TokenChanged, issue_gate_token, revoke_gate_token

from ..logs import log_message
from ..scoping import gates_for
from .base import ScopedAdmin, TaiSearch, confirmed
from .display import lot_time
from .filters import LotFilter


def _seen(gate_id: int) -> str:
    """The confirmation form's field with the hint of the token a gate had when asked."""
    return f"token_hint_{gate_id}"


def token_state(gate: Gate) -> str:
    if gate.revoked_at is None:
        return pgettext("gate token", "active")
    return _("revoked %(time)s") % {"time": lot_time(gate.revoked_at, gate.lot)}


@admin.register(Gate)
class GateAdmin(TaiSearch, ScopedAdmin):
    scope = staticmethod(gates_for)
    list_display = ["name", "lot", "direction", "language", "token_hint", "token", "last_seen"]
    list_select_related = ["lot"]
    list_filter = ["direction", "language", LotFilter]
    search_fields = ["name", "lot__name"]
    autocomplete_fields = ["lot"]
    actions = ["revoke_tokens", "issue_new_tokens"]
    change_form_template = "admin_portal/gate_change_form.html"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["lot", "name", "direction", "language"]
        return [
            "lot", "name", "direction", "language", "token_hint", "token", "last_seen", "created",
        ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # A token opens one lot's gates in one direction: moving it is a new gate.
        return ["lot", "direction", "token_hint", "token", "last_seen", "created"]

    @admin.display(description=_("token"))
    def token(self, gate):
        return token_state(gate)

    @admin.display(description=_("last seen"), ordering="last_seen_at")
    def last_seen(self, gate):
        return lot_time(gate.last_seen_at, gate.lot) if gate.last_seen_at else _("never")

    @admin.display(description=_("created"))
    def created(self, gate):
        return lot_time(gate.created_at, gate.lot)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        obj.new_token = obj.set_new_token()
        obj.save()

    def response_add(self, request, obj, post_url_continue=None):
        # The clear token goes into this response and nowhere else (only its hash is kept).
        self.message_user(request, gettext("The gate “%(gate)s” was added.") % {"gate": obj})
        return self.show_tokens(request, [(obj, obj.new_token)])

    @admin.action(description=_("Revoke token (the gate stops working)"), permissions=["change"])
    def revoke_tokens(self, request, queryset):
        gates = list(queryset.select_related("lot"))
        for gate in gates:
            if gate.revoked_at:
                message = gettext("%(gate)s: the token is revoked already.")
                self.message_user(request, message % {"gate": gate}, messages.WARNING)
        gates = [gate for gate in gates if gate.revoked_at is None]
        if not gates:
            return None
        if not confirmed(request):
            return self.confirm_action(
                request,
                gates,
                action="revoke_tokens",
                title=gettext("Revoke gate tokens?"),
                question=gettext(
                    "These gates will be refused at once, until they get a new token:"
                ),
                items=[str(gate) for gate in gates],
                confirm=gettext("Yes, revoke"),
            )
        now = timezone.now()
        for gate in gates:
            with transaction.atomic():
                revoke_gate_token(gate.pk, now=now)
                self.log_change(request, gate, log_message(_("Revoked the token.")))
        self.message_user(
            request,
            ngettext("Revoked %(count)d token.", "Revoked %(count)d tokens.", len(gates))
            % {"count": len(gates)},
            messages.SUCCESS,
        )
        return None

    @admin.action(description=_("Issue new token"), permissions=["change"])
    def issue_new_tokens(self, request, queryset):
        gates = list(queryset.select_related("lot"))
        if not gates:  # ids of rows this user cannot see select nothing
            return None
        if not confirmed(request):
            return self.confirm_action(
                request,
                gates,
                action="issue_new_tokens",
                title=gettext("Issue new gate tokens?"),
                question=gettext(
                    "The current tokens of these gates stop working at once; each gate "
                    "works again once it is given its new token:"
                ),
                items=[str(gate) for gate in gates],
                confirm=gettext("Yes, issue new tokens"),
                # Which tokens the answer replaces: sent again (a reload of the page of
                # new tokens, a double click), it finds them replaced and issues nothing.
                hidden={_seen(gate.pk): gate.token_hint for gate in gates},
            )
        issued = []
        for gate in gates:
            try:
                with transaction.atomic():
                    gate, token = issue_gate_token(
                        gate.pk, replacing=request.POST.get(_seen(gate.pk), "")
                    )
                    message = _("Issued a new token (starts with %(hint)s).")
                    self.log_change(request, gate, log_message(message, hint=gate.token_hint))
            except TokenChanged:
                message = gettext(
                    "%(gate)s: its token changed after this confirmation was shown (it was "
                    "sent twice, or someone else issued one). Nothing was issued for it; "
                    "if its new token was not copied, issue another."
                )
                self.message_user(request, message % {"gate": gate}, messages.WARNING)
                continue
            issued.append((gate, token))
        if not issued:
            return None
        return self.show_tokens(request, issued)

    def show_tokens(self, request, issued):
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("New gate tokens"),
            "issued": issued,
            "opts": self.opts,
        }
        request.current_app = self.admin_site.name
        response = TemplateResponse(request, "admin_portal/gate_tokens.html", context)
        add_never_cache_headers(response)  # shown once: not kept by browsers or proxies
        return response
