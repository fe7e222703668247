from datetime import date, datetime
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from config.errors import ErrorOut
from lots.money import MAX_AMOUNT

MONEY = "Minor units of `currency` (NT$20 = 2000)."


class CandidateOut(Schema):
    session_id: UUID
    plate: str
    photo_url: str = Field(..., description="The gate's photo of the vehicle; empty if none.")
    thumbnail_url: str = Field(..., description="A small version of the photo, for lists.")
    entered_at: datetime


class FeeDayOut(Schema):
    day: date = Field(..., description="Calendar day in the lot's time zone.")
    first_period: bool = Field(..., description="The tariff's first period started this day.")
    units: int = Field(..., description="Billing units started this day.")
    subtotal: int = Field(..., description=f"Before the daily maximum. {MONEY}")
    amount: int = Field(..., description=f"After the daily maximum. {MONEY}")
    capped: bool
    charged_earlier: int = Field(
        ...,
        description=(
            "Paid on this day for an earlier fee period of the same stay (the car paid, "
            f"then stayed past its exit window): it counts toward the daily maximum. {MONEY}"
        ),
    )


class QuoteOut(Schema):
    session_id: UUID
    lot_id: int
    plate: str
    state: Literal["unpaid", "paid", "free"]
    amount_due: int = Field(..., description=MONEY)
    currency: str
    amount_due_display: str
    billing_from: datetime = Field(..., description="Start of the period the fee runs over.")
    until: datetime = Field(..., description="End of the quoted period (now).")
    exit_allowed_until: datetime | None = Field(
        None, description="Until when the exit opens without paying (paid or free); else null."
    )
    tariff: str
    breakdown: list[FeeDayOut]


InvoiceKindIn = Literal["mobile_barcode", "citizen_certificate", "donation", "company"]


class InvoiceIn(Schema):
    kind: InvoiceKindIn = Field(
        ...,
        description="mobile_barcode (/ + 7 of 0-9 A-Z . + -), citizen_certificate (2 capital "
        "letters + 14 digits), donation (3-7 digits) or company (8-digit tax ID).",
    )
    value: str = Field(..., max_length=32)


class PaymentIn(Schema):
    session_id: UUID
    provider: str = Field(..., max_length=30, description="An enabled provider: sandbox, stripe.")
    invoice: InvoiceIn | None = Field(None, description="Taiwan e-invoice option, if any.")
    expected_amount: int | None = Field(
        None,
        ge=0,
        le=MAX_AMOUNT,
        strict=True,  # an integer, not "2000", 2000.0 or true
        description="The amount the driver was shown (minor units). If the vehicle owes "
        "another amount now, nothing is charged: 409 `amount_changed` with `amount_due`.",
    )


class PaymentRefusalOut(ErrorOut):
    """409: why no payment was opened, and what the driver needs to know instead."""

    exit_allowed_until: datetime | None = Field(
        None, description="`nothing_due`: until when the vehicle may leave."
    )
    amount_due: int | None = Field(None, description=f"`amount_changed`: due now. {MONEY}")
    currency: str | None = Field(None, description="`amount_changed`: of `amount_due`.")


class PaymentOut(Schema):
    payment_id: UUID
    status: Literal["pending", "succeeded", "failed", "canceled", "expired", "voided"]
    amount: int = Field(..., description=MONEY)
    currency: str
    amount_display: str
    provider: str
    plate: str
    redirect_url: str = Field(..., description="The provider's page where the driver pays.")
    created_at: datetime
    paid_at: datetime | None = None
    receipt_number: str = ""
    exit_allowed_until: datetime | None = Field(
        None, description="Set once paid: the exit opens until then (paid_at + 15 minutes)."
    )
    failure_reason: str = ""
