import hashlib
import secrets
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.i18n import default_language, language_choices
from lots.models import Lot

TOKEN_PREFIX = "olg_"


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough: nothing to brute-force,
    # and the lookup stays one indexed equality per gate call.
    return hashlib.sha256(token.encode()).hexdigest()


class Direction(models.TextChoices):
    ENTRY = "entry", _("entry")
    EXIT = "exit", _("exit")


class Gate(models.Model):
    """A camera-equipped barrier. Its bearer token decides its lot and direction."""

    lot = models.ForeignKey(
        Lot, on_delete=models.CASCADE, related_name="gates", verbose_name=_("lot")
    )
    name = models.CharField(_("name"), max_length=100)
    direction = models.CharField(_("direction"), max_length=5, choices=Direction.choices)
    # What its display says ("Parking full", 「車位已滿」); the machine code never changes.
    language = models.CharField(
        _("display language"),
        max_length=10,
        choices=language_choices,
        default=default_language,
        help_text=_("The language of the messages this gate shows drivers."),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the clear token, so an operator can tell tokens apart.
    token_hint = models.CharField(_("token starts with"), max_length=12, editable=False)
    revoked_at = models.DateTimeField(_("token revoked at"), null=True, blank=True, editable=False)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("gate")
        verbose_name_plural = _("gates")
        ordering = ["lot", "direction", "name"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "name"], name="gate_unique_name_per_lot"),
        ]

    def __str__(self) -> str:
        return f"{self.lot} · {self.name} ({self.get_direction_display()})"

    def unique_error_message(self, model_class, unique_check):
        if tuple(unique_check) != ("lot", "name"):
            return super().unique_error_message(model_class, unique_check)
        # Most often the add form sent again: a reload of the page that showed the new
        # gate's token. Said so, or the owner thinks the gate was never added.
        return ValidationError(
            _(
                "This lot already has a gate named “%(name)s”. If you have just added it "
                "(reloading the page sends the form again), it was added, and its token "
                "was shown once: open the gate in the list and issue a new token if it "
                "was not kept."
            ),
            code="unique_together",
            params={"name": self.name},
        )

    def set_new_token(self) -> str:
        """Give the gate a fresh token and return it in clear: the only time it is seen."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.set_token(token)
        return token

    def set_token(self, token: str) -> None:
        self.token_hash = hash_token(token)
        self.token_hint = token[:10]
        self.revoked_at = None


class Like(models.Lookup):
    """SQL LIKE with the pattern as given (`_` one character, `%` any run), for plate keys.

    Registered on `ParkingSession.plate_key` only, whose values are letters and
    digits, so no escaping is involved. Case-sensitive on PostgreSQL, not on
    SQLite; plate keys and patterns are both upper case.
    """

    lookup_name = "like"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs}", [*lhs_params, *rhs_params]


class ParkingSession(models.Model):
    """A vehicle inside a lot, from entry until it leaves through an exit gate."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Not indexed alone: the (lot, plate) unique index leads with it.
    lot = models.ForeignKey(
        Lot, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("lot"),
        db_index=False,
    )  # fmt: skip
    plate = models.CharField(_("plate"), max_length=10)
    # `plate` with OCR look-alikes folded (parking.plates.ocr_key), for misread matching.
    plate_key = models.CharField(max_length=10, editable=False)
    plate_as_read = models.CharField(_("plate as read"), max_length=64)
    photo_url = models.CharField(_("photo URL"), max_length=2000, blank=True)
    photo_thumbnail = models.FileField(_("photo thumbnail"), max_length=300, blank=True)
    entry_gate = models.ForeignKey(
        Gate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("entry gate"),
    )  # fmt: skip
    entered_at = models.DateTimeField(_("entered at"))
    # When the fee clock runs from: the entry, or the start of the period a
    # payment covered (see parking.services.session_status).
    billing_from = models.DateTimeField(_("billing from"))
    exit_allowed_until = models.DateTimeField(_("exit allowed until"), null=True, blank=True)
    # The daily maximum holds for the whole stay (parking.fees): what earlier fee
    # periods of this stay cost on billing_from's day (in the lot's time zone), and
    # what this stay has cost on exit_allowed_until's day, the day a period restarted
    # after the exit window begins. Set by parking.services.grant_exit. A default in
    # the database too: the gate functions insert sessions without naming them.
    charged_on_billing_day = models.PositiveBigIntegerField(default=0, db_default=0, editable=False)
    charged_on_window_end_day = models.PositiveBigIntegerField(
        default=0, db_default=0, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("parked vehicle")
        verbose_name_plural = _("parked vehicles")
        ordering = ["entered_at"]
        constraints = [
            # A plate is inside a lot at most once: the database settles races
            # between two gates reading the same car.
            models.UniqueConstraint(fields=["lot", "plate"], name="session_unique_plate_per_lot"),
        ]
        indexes = [
            models.Index(fields=["lot", "plate_key"], name="session_lot_plate_key"),
            models.Index(fields=["lot", "entered_at"], name="session_lot_entered"),
        ]

    def __str__(self) -> str:
        return self.plate

    @property
    def photo_thumbnail_url(self) -> str:
        """The small picture for lists: our thumbnail when we made one, else the camera's photo."""
        return self.photo_thumbnail.url if self.photo_thumbnail else self.photo_url


ParkingSession._meta.get_field("plate_key").register_lookup(Like)


class Outcome(models.TextChoices):
    ENTERED = "entered", pgettext_lazy("gate decision", "entered")
    ALREADY_INSIDE = "already_inside", pgettext_lazy("gate decision", "already inside")
    FULL = "full", pgettext_lazy("gate decision", "parking full")
    LOT_CLOSED = "lot_closed", pgettext_lazy("gate decision", "lot closed")
    EXIT_GRANTED = "exit_granted", pgettext_lazy("gate decision", "exit granted")
    PAYMENT_REQUIRED = "payment_required", pgettext_lazy("gate decision", "payment required")
    NO_ENTRY_RECORD = "no_entry_record", pgettext_lazy("gate decision", "no entry record")
    # Not the exact plate, and several parked cars equal to it up to OCR look-alikes.
    AMBIGUOUS_PLATE = "ambiguous_plate", pgettext_lazy("gate decision", "several cars match")


OPENING_OUTCOMES = frozenset({Outcome.ENTERED, Outcome.ALREADY_INSIDE, Outcome.EXIT_GRANTED})


class GateEvent(models.Model):
    """Append-only log of every gate decision, and the memory behind retried reads."""

    # Related to its lot and gate without a database constraint: a constraint would look
    # up and share-lock both rows again at every gate call's commit, for rows written
    # with ids the same transaction has just read. Deletes go through the ORM, which
    # cascades (lot) or clears (gate) as declared here; an event logged by a call that
    # raced the deletion of its gate or lot may keep the old id, and is then shown
    # without the gate (or, for a lot, not listed).
    # Not indexed alone: the (lot, time) index leads with it. Fewer indexes, cheaper inserts.
    lot = models.ForeignKey(
        Lot, on_delete=models.CASCADE, related_name="gate_events", verbose_name=_("lot"),
        db_index=False, db_constraint=False,
    )  # fmt: skip
    gate = models.ForeignKey(
        Gate, on_delete=models.SET_NULL, null=True, related_name="events", verbose_name=_("gate"),
        db_constraint=False,
    )  # fmt: skip
    direction = models.CharField(_("direction"), max_length=5, choices=Direction.choices)
    plate = models.CharField(_("plate"), max_length=10)
    plate_as_read = models.CharField(_("plate as read"), max_length=64)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    # Not a foreign key: the session is deleted when the vehicle leaves, its log stays.
    session_id = models.UUIDField(_("session"), null=True, blank=True)
    read_id = models.UUIDField(_("read id"), null=True, blank=True)
    available = models.IntegerField(_("available after"), null=True)
    amount_due = models.PositiveBigIntegerField(_("amount due"), null=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    created_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("gate event")
        verbose_name_plural = _("gate events")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A gate retrying the same plate read gets the first answer again.
            models.UniqueConstraint(
                fields=["gate", "read_id"],
                condition=Q(read_id__isnull=False),
                name="gate_event_unique_read",
            ),
        ]
        indexes = [models.Index(fields=["lot", "-created_at"], name="gate_event_lot_time")]

    def __str__(self) -> str:
        # As the admin names it: on the lot's clock, the outcome in the reader's language.
        at = timezone.localtime(self.created_at, self.lot.zone)
        return f"{at:%Y-%m-%d %H:%M:%S} · {self.plate} · {self.get_outcome_display()}"
