import uuid

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.admin.utils import quote, unquote
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from lots.dates import moment
from parking.models import ParkingSession
from parking.plates import normalise_plate, ocr_key
from parking.services import (
    SessionState,
    SessionStatus,
    VehicleRefused,
    check_counted_twice,
    check_removable,
    correct_plate,
    exit_window,
    remove_double_count,
    remove_vehicle,
    session_status,
)
from payments.models import Payment, PaymentStatus
from payments.providers.base import CHECKOUT_LIFETIME
from payments.services import (
    NOTHING_DUE,
    PaymentRefused,
    payments_alongside,
    record_manual_payment,
    take_back_exit_grant,
)

from ..forms import PlateCorrectionForm
from ..logs import log_message
from ..scoping import gate_events_for, vehicles_for
from .base import ScopedAdmin, confirmed, plate_search
from .display import image_url, lot_time, money
from .filters import LotFilter, PaymentStatusFilter


def status_now(session: ParkingSession) -> SessionStatus:
    """session_status at this moment, computed once per vehicle shown."""
    if not hasattr(session, "_status_now"):
        session._status_now = session_status(session, timezone.now())
    return session._status_now


def confirm_item(session: ParkingSession, detail) -> str:
    """A vehicle as a bulk action's confirmation page lists it."""
    return f"{session.plate} · {session.lot} · {detail}"


def describe_status(session: ParkingSession, status: SessionStatus) -> str:
    lot = session.lot
    if status.state == SessionState.PAID:
        return _("Paid, exit allowed until %(time)s") % {
            "time": moment(status.exit_allowed_until, lot.zone)
        }
    if status.state == SessionState.FREE and status.exit_allowed_until is not None:
        # Free minutes run out: said, or "nothing due" reads as free for good.
        return _("Nothing due until %(time)s") % {
            "time": moment(status.exit_allowed_until, lot.zone)
        }
    if status.state == SessionState.FREE:
        return _("Nothing due")
    if status.grace_expired:
        return _("Unpaid: grace expired at %(time)s") % {
            "time": moment(session.exit_allowed_until, lot.zone)
        }
    return _("Unpaid")


def _shown(session_pk) -> str:
    """The confirmation form's field with the amount shown for a vehicle."""
    return f"amount_shown_{session_pk}"


def _amount_shown(request, session_pk) -> int | None:
    """What the confirmation showed for the vehicle: -1 (never due) if unreadable."""
    shown = request.POST.get(_shown(session_pk))
    if shown is None:
        return None  # asked without the confirmation page (another client)
    return int(shown) if shown.isdigit() else -1


@admin.register(ParkingSession)
class ParkingSessionAdmin(ScopedAdmin):
    scope = staticmethod(vehicles_for)
    form = PlateCorrectionForm
    list_display = [
        "photo",
        "plate_as_read",
        "plate",
        "lot",
        "entered",
        "fee_so_far",
        "payment_status",
    ]
    list_display_links = ["plate"]
    list_filter = [PaymentStatusFilter, LotFilter]
    list_select_related = ["lot__tariff"]
    ordering = ["entered_at"]
    search_fields = ["plate"]  # see get_search_results
    search_help_text = _("Search by plate, e.g. ABC-1234.")
    actions = ["mark_paid_in_cash", "mark_unpaid", "delete_paid_vehicles", "remove_counted_twice"]
    fields = [
        "large_photo",
        "plate",
        "plate_as_read",
        "lot",
        "entry_gate",
        "entered",
        "payment_status",
        "fee_so_far",
        "fee_runs_from",
    ]
    readonly_fields = [name for name in fields if name != "plate"]
    change_form_template = "admin_portal/vehicle_change_form.html"

    object_history_template = "admin_portal/vehicle_history.html"

    def has_add_permission(self, request):
        return False  # vehicles come in through the entry gates

    def history_view(self, request, object_id, extra_context=None):
        """A car's history, also once it has left (paid and out, or removed by hand).

        Who corrected its plate or recorded its cash is still asked the next day; the
        log keeps it (Django's LogEntry), only the car is gone. A car that has left
        is this owner's if one of their gates decided on it (the gate event log keeps
        its session); otherwise, as for any id, "not found".
        """
        departed = self._departed(request, object_id)
        context = {**(extra_context or {}), "departed": departed is not None}
        request.departed_car = departed
        return super().history_view(request, object_id, context)

    def get_object(self, request, object_id, from_field=None):
        departed = getattr(request, "departed_car", None)
        if departed is not None and str(departed.pk) == unquote(object_id):
            return departed
        return super().get_object(request, object_id, from_field)

    def _departed(self, request, object_id) -> ParkingSession | None:
        """A stand-in for a car that has left this owner's lot (its last plate), or None."""
        try:
            session_id = uuid.UUID(unquote(object_id))
        except ValueError:
            return None
        if self.get_queryset(request).filter(pk=session_id).exists():
            return None  # still inside: its own page
        event = (
            gate_events_for(request.user)
            .filter(session_id=session_id)
            .order_by("-created_at", "-id")
            .first()
        )
        return None if event is None else ParkingSession(pk=session_id, plate=event.plate)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or status_now(obj).exit_allowed)

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Ours frees each car's space and refuses unpaid ones.
        actions.pop("delete_selected", None)
        return actions

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        as_read = Q(plate_as_read__icontains=term)
        plate = plate_search(term)
        if plate is None:
            return queryset.filter(as_read), False
        # And the plates a camera may have read for it (LKA-I234 for LKA-1234), as the
        # kiosk finds them: a car an entry camera read twice, once as a look-alike, is
        # counted twice, and both records are listed together.
        look_alikes = Q(plate_key__contains=ocr_key(normalise_plate(term)))
        return queryset.filter(plate | as_read | look_alikes), False

    # --- Columns and read-only fields

    @admin.display(description=_("photo"))
    def photo(self, session):
        return self._photo(session, session.photo_thumbnail_url, "vehicle-photo")

    @admin.display(description=_("photo"))
    def large_photo(self, session):
        return self._photo(session, session.photo_url, "vehicle-photo-large")

    def _photo(self, session, url, css_class):
        src = image_url(url)
        if src is None:
            return format_html('<span class="vehicle-photo-missing">{}</span>', _("no photo"))
        full = image_url(session.photo_url) or src
        return format_html(
            '<a href="{}" target="_blank" rel="noopener noreferrer">'
            '<img src="{}" alt="{}" class="{}" referrerpolicy="no-referrer"></a>',
            full,
            src,
            _("Photo of %(plate)s") % {"plate": session.plate},
            css_class,
        )

    @admin.display(description=_("entered"), ordering="entered_at")
    def entered(self, session):
        return lot_time(session.entered_at, session.lot)

    @admin.display(description=_("fee so far"))
    def fee_so_far(self, session):
        return money(status_now(session).amount_due, session.lot.currency)

    @admin.display(description=_("fee runs from"))
    def fee_runs_from(self, session):
        status = status_now(session)
        if status.state == SessionState.PAID:
            # No fee runs in a paid exit window; a car still inside after it owes from its end.
            return gettext("%(time)s, if still inside then") % {
                "time": lot_time(status.exit_allowed_until, session.lot)
            }
        return lot_time(status.billing_from, session.lot)

    def get_queryset(self, request):
        # Whether the driver is paying online right now: an owner about to take cash
        # should know (recording it closes that checkout; see mark_paid_in_cash). A
        # checkout past its lifetime can no longer be paid, whatever its row still says.
        paying = Payment.objects.filter(
            session=OuterRef("pk"),
            status=PaymentStatus.PENDING,
            created_at__gt=timezone.now() - CHECKOUT_LIFETIME,
        )
        return super().get_queryset(request).annotate(paying_online=Exists(paying))

    @admin.display(description=_("payment status"))
    def payment_status(self, session):
        status = status_now(session)
        words = describe_status(session, status)
        if status.state == SessionState.UNPAID and getattr(session, "paying_online", False):
            words = gettext("%(status)s · paying online now") % {"status": words}
        return format_html(
            '<span class="payment-status payment-status-{}">{}</span>',
            "expired" if status.grace_expired and not status.exit_allowed else status.state,
            words,
        )

    # --- Plate correction (the change form)

    def save_model(self, request, obj, form, change):
        if "plate" in form.changed_data:
            correct_plate(obj.pk, form.cleaned_data["plate"])

    def construct_change_message(self, request, form, formsets, add=False):
        if "plate" in form.changed_data:
            return log_message(
                _("Corrected the plate from %(old)s to %(new)s."),
                old=form.initial["plate"],
                new=form.cleaned_data["plate"],
            )
        return super().construct_change_message(request, form, formsets, add)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except VehicleRefused as refused:
            # A gate changed things between the form's checks and the save (the
            # plate admitted meanwhile, the car gone); the transaction is rolled back.
            return self._refused(request, refused, object_id)

    def _refused(self, request, refused: VehicleRefused, object_id):
        """Say why, back on the car's page (or the list, if the car has left)."""
        self.message_user(request, refused.message, messages.ERROR)
        if refused.code == "vehicle_not_found":
            return HttpResponseRedirect(reverse("admin:parking_parkingsession_changelist"))
        return HttpResponseRedirect(
            reverse("admin:parking_parkingsession_change", args=[quote(unquote(object_id))])
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            status = status_now(obj)
            context["payment_state"] = status.state.value
            context["amount_due"] = money(status.amount_due, obj.lot.currency)
            try:
                check_removable(obj, status)
            except VehicleRefused as refused:
                context["deletion_refused"] = refused.message
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- Deleting: only paid vehicles, each freeing its space

    def delete_view(self, request, object_id, extra_context=None):
        session = self.get_object(request, unquote(object_id))
        try:
            check_removable(session, status_now(session))
            return super().delete_view(request, object_id, extra_context)
        except VehicleRefused as refused:
            return self._refused(request, refused, object_id)

    def delete_model(self, request, obj):
        remove_vehicle(obj.pk, now=timezone.now())

    @admin.action(
        description=_("Delete selected vehicles (paid or nothing due)"), permissions=["delete"]
    )
    def delete_paid_vehicles(self, request, queryset):
        sessions = list(queryset.select_related("lot__tariff"))
        if not sessions:  # ids of rows this user cannot see select nothing
            return None
        checked = self._check_each(
            request, sessions, lambda session: check_removable(session, status_now(session)),
            gettext("Nothing was deleted. %(reasons)s"),
        )  # fmt: skip
        if checked is None:
            return None
        if not confirmed(request):
            return self.confirm_action(
                request,
                sessions,
                action="delete_paid_vehicles",
                title=gettext("Delete vehicles?"),
                question=gettext(
                    "These vehicles leave the lot's records and their spaces become free. "
                    "Their payments stay on record."
                ),
                items=[
                    confirm_item(session, describe_status(session, status_now(session)))
                    for session in sessions
                ],
                confirm=gettext("Yes, delete"),
            )
        now = timezone.now()

        def delete(session):
            self.log_deletions(request, [session])
            remove_vehicle(session.pk, now=now)

        deleted = self._each_in_its_transaction(request, sessions, delete)
        if deleted:
            self.message_user(
                request,
                ngettext(
                    "Deleted %(plates)s; its space is free again.",
                    "Deleted %(plates)s; their spaces are free again.",
                    len(deleted),
                )
                % {"plates": ", ".join(deleted)},
                messages.SUCCESS,
            )
        return None

    @admin.action(
        description=_("Remove as counted twice (a camera read the car again)"),
        permissions=["delete"],
    )
    def remove_counted_twice(self, request, queryset):
        sessions = list(queryset.select_related("lot"))
        if not sessions:
            return None
        others = self._check_each(
            request, sessions, self._removable_as_counted_twice,
            gettext("Nothing was removed. %(reasons)s"),
        )  # fmt: skip
        if others is None:
            return None
        if not confirmed(request):
            return self.confirm_action(
                request,
                sessions,
                action="remove_counted_twice",
                title=gettext("Remove vehicles counted twice?"),
                question=gettext(
                    "Each of these records counts a car that another record in its lot "
                    "counts already: an entry camera read the car again as a plate that "
                    "looks like it. The record is removed and its space freed, with "
                    "nothing charged and no payment recorded; the other record stays, "
                    "with its fee. Compare the photos first."
                ),
                items=[
                    confirm_item(session, self._counted_with(session, kept))
                    for session, kept in zip(sessions, others, strict=True)
                ],
                confirm=gettext("Yes, remove"),
            )
        now = timezone.now()

        def remove(session):
            removed, kept = remove_double_count(session.pk, now=now)
            LogEntry.objects.log_actions(
                request.user.pk, [removed], DELETION,
                change_message=log_message(
                    _("Removed as counted twice with %(plate)s."), plate=kept.plate
                ),
                single_object=True,
            )  # fmt: skip
            # On the record kept too: the removed one's history is no longer reachable.
            self.log_change(
                request, kept,
                log_message(_("Counted twice: the record of %(plate)s was removed."),
                            plate=removed.plate),
            )  # fmt: skip

        removed = self._each_in_its_transaction(request, sessions, remove)
        if removed:
            self.message_user(
                request,
                ngettext(
                    "Removed %(plates)s, counted twice; its space is free again.",
                    "Removed %(plates)s, counted twice; their spaces are free again.",
                    len(removed),
                )
                % {"plates": ", ".join(removed)},
                messages.SUCCESS,
            )
        return None

    @staticmethod
    def _removable_as_counted_twice(session: ParkingSession) -> ParkingSession:
        """The record kept of the car `session` counts again (check_counted_twice), if
        no checkout of its driver is open: a payment on its way is for this record."""
        if getattr(session, "paying_online", False):
            raise VehicleRefused(
                "paying_online",
                gettext("%(plate)s: its driver is paying online now. Wait until that ends.")
                % {"plate": session.plate},
            )
        return check_counted_twice(session)

    def _check_each(self, request, sessions, check, refused_text):
        """`check(session)`'s answer for each vehicle; if any is refused, None, and the
        user is told why (`refused_text`, with the reasons): nothing is done to any."""
        answers, refusals = [], []
        for session in sessions:
            try:
                answers.append(check(session))
            except VehicleRefused as refused:
                refusals.append(refused.message)
        if refusals:
            self.message_user(
                request, refused_text % {"reasons": " ".join(refusals)}, messages.ERROR
            )
            return None
        return answers

    def _each_in_its_transaction(self, request, sessions, act) -> list[str]:
        """`act(session)` for each vehicle, each in its own transaction (its row, then its
        lot's: a multi-car transaction would break the shared lock order); the plates done.
        A vehicle refused meanwhile is reported, the others still done."""
        done = []
        for session in sessions:
            try:
                with transaction.atomic():
                    act(session)
            except VehicleRefused as refused:
                self.message_user(request, refused.message, messages.ERROR)
            else:
                done.append(session.plate)
        return done

    @staticmethod
    def _counted_with(session: ParkingSession, kept: ParkingSession) -> str:
        # To the second: two reads of one car are seconds apart.
        def at(value):
            return date_format(timezone.localtime(value, session.lot.zone), "H:i:s")

        return gettext(
            "entered %(time)s; the same car as %(other)s (entered %(other_time)s), the record kept"
        ) % {"time": at(session.entered_at), "other": kept.plate, "other_time": at(kept.entered_at)}

    # --- Payment status set by hand

    @admin.action(description=_("Mark paid in cash"), permissions=["change"])
    def mark_paid_in_cash(self, request, queryset):
        if not confirmed(request):
            # Money, and an open gate: asked first, with what each car owes now. The
            # amount recorded is computed again when confirmed.
            sessions = list(queryset.select_related("lot__tariff"))
            if not any(status_now(s).amount_due for s in sessions):
                # Nothing to take: no question whose only answer is a refusal.
                for session in sessions:
                    self.message_user(request, f"{session.plate}: {NOTHING_DUE}", messages.WARNING)
                return None
            return self.confirm_action(
                request,
                sessions,
                action="mark_paid_in_cash",
                title=gettext("Record cash payments?"),
                question=ngettext(
                    "Record that these drivers paid in cash what they owe; the exit gate "
                    "then lets them out for %(minutes)s minute. The amount is computed "
                    "again when you confirm.",
                    "Record that these drivers paid in cash what they owe; the exit gate "
                    "then lets them out for %(minutes)s minutes. The amount is computed "
                    "again when you confirm.",
                    settings.EXIT_GRACE_MINUTES,
                )
                % {"minutes": settings.EXIT_GRACE_MINUTES},
                items=[confirm_item(s, self._owed_now(s)) for s in sessions],
                confirm=gettext("Yes, the cash was paid"),
                # The amount each line shows: the one recorded, or nothing is.
                hidden={_shown(s.pk): str(status_now(s).amount_due) for s in sessions},
            )
        now = timezone.now()
        payment_admin = self.admin_site.get_model_admin(Payment)
        for session in queryset.select_related("lot"):

            def log(payment, session=session):
                # In the payment's own transaction: the record and its log go together.
                said, values = self._cash_message(payment, session)
                message = log_message(said, **values)
                self.log_change(request, session, message)
                payment_admin.log_addition(request, payment, message)

            try:
                # Not inside a transaction of ours: once the cash is recorded, the
                # car's online checkout is closed at its platform, never under a lock.
                payment = record_manual_payment(
                    session.pk,
                    by=request.user,
                    now=now,
                    on_recorded=log,
                    expected_amount=_amount_shown(request, session.pk),
                )
            except PaymentRefused as refused:
                message = f"{session.plate}: {refused.message}"
                if refused.code == "amount_changed":
                    message = gettext(
                        "%(plate)s: nothing was recorded. %(amount)s is due now, not the "
                        "amount shown: record it again."
                    ) % {
                        "plate": session.plate,
                        "amount": money(refused.extra["amount_due"], refused.extra["currency"]),
                    }
                self.message_user(request, message, messages.WARNING)
                continue
            said, values = self._cash_message(payment, session)
            self.message_user(request, f"{session.plate}: {said % values}", messages.SUCCESS)
            self._warn_of_payments_alongside(request, payment)
        return None

    @staticmethod
    def _owed_now(session) -> str:
        status = status_now(session)
        if status.state == SessionState.UNPAID and status.amount_due:
            return gettext("%(amount)s due now") % {
                "amount": money(status.amount_due, session.lot.currency)
            }
        return str(describe_status(session, status))

    def _cash_message(self, payment, session) -> tuple:
        """What was recorded: a lazy message and its values (shown, or kept in the log)."""
        said = _(
            "Recorded %(amount)s paid in cash (receipt %(receipt)s); exit allowed until %(time)s."
        )
        return said, {
            "amount": money(payment.amount, payment.currency),
            "receipt": payment.receipt_number,
            "time": lot_time(payment.paid_at + exit_window(), session.lot, "H:i"),
        }

    def _warn_of_payments_alongside(self, request, payment) -> None:
        still_open, also_paid = payments_alongside(payment)
        if still_open:
            message = gettext(
                "%(plate)s: an online payment could not be closed at its platform. If the "
                "driver pays it too, refund one of the two."
            )
            self.message_user(request, message % {"plate": payment.plate}, messages.WARNING)
        for other in also_paid:
            message = gettext(
                "%(plate)s was also paid online (receipt %(receipt)s, %(amount)s): "
                "give the cash back or refund the online payment."
            ) % {
                "plate": payment.plate,
                "receipt": other.receipt_number,
                "amount": money(other.amount, other.currency),
            }
            self.message_user(request, message, messages.WARNING)

    @admin.action(description=_("Mark unpaid (take back the exit grant)"), permissions=["change"])
    def mark_unpaid(self, request, queryset):
        sessions = list(queryset.select_related("lot__tariff"))
        paid = [s for s in sessions if status_now(s).state == SessionState.PAID]
        for session in sessions:
            if session not in paid:
                message = gettext("%(plate)s has no exit grant to take back.")
                self.message_user(request, message % {"plate": session.plate}, messages.WARNING)
        if not paid:
            return None
        if not confirmed(request):
            return self.confirm_action(
                request,
                paid,
                action="mark_unpaid",
                title=gettext("Mark vehicles unpaid?"),
                question=gettext(
                    "The exit gate will ask these vehicles to pay again. Cash recorded here "
                    "for the grant is voided (it was recorded by mistake); payments made "
                    "online stay on record: refund any money taken separately."
                ),
                items=[confirm_item(s, describe_status(s, status_now(s))) for s in paid],
                confirm=gettext("Yes, mark unpaid"),
            )
        now = timezone.now()
        payment_admin = self.admin_site.get_model_admin(Payment)
        for session in paid:
            try:
                with transaction.atomic():
                    revoked, voided = take_back_exit_grant(session.pk, now=now)
                    values = {
                        "time": lot_time(session.exit_allowed_until, session.lot, "H:i"),
                        "amount": money(
                            session_status(revoked, now).amount_due, session.lot.currency
                        ),
                    }
                    if voided is None:
                        said = _(
                            "Marked unpaid: took back the exit grant until %(time)s; "
                            "%(amount)s due now."
                        )
                    else:
                        said = _(
                            "Marked unpaid: took back the exit grant until %(time)s and "
                            "voided the cash payment %(receipt)s; %(amount)s due now."
                        )
                        values["receipt"] = voided.receipt_number
                        payment_admin.log_change(request, voided, log_message(said, **values))
                    self.log_change(request, session, log_message(said, **values))
                    message = said % values
            except VehicleRefused as refused:
                self.message_user(request, refused.message, messages.WARNING)
            else:
                self.message_user(request, f"{session.plate}: {message}", messages.SUCCESS)
        return None
