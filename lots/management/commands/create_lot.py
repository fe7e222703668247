from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import transaction

from lots.models import MAX_TARIFF_PRICE, default_currency
from lots.money import in_coins, to_major, to_minor
from lots.services import LOT_OWNERS_GROUP, create_lot, make_lot_owner


class Command(BaseCommand):
    help = (
        "Create a parking lot with its tariff. Prices are as printed on the sign, in the "
        "lot's currency (--unit-price 15 is NT$15). Prints the new lot's id on the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--lat", required=True, type=float, help="latitude (WGS84)")
        parser.add_argument("--lng", required=True, type=float, help="longitude (WGS84)")
        parser.add_argument("--capacity", required=True, type=int)
        parser.add_argument("--owner", required=True, help="username; created if missing")
        parser.add_argument("--address", default="")
        parser.add_argument("--currency", default=None, help="ISO 4217 code (default TWD)")
        parser.add_argument("--timezone", default=None, help="IANA zone (default Asia/Taipei)")
        parser.add_argument("--free-minutes", type=int, default=0)
        parser.add_argument("--first-period-minutes", type=int, default=0)
        parser.add_argument("--first-period-price", type=Decimal, default=Decimal(0))
        parser.add_argument("--unit-minutes", type=int, default=60)
        parser.add_argument("--unit-price", type=Decimal, default=Decimal(0))
        parser.add_argument("--daily-cap", type=Decimal, default=None)

    @transaction.atomic
    @no_translations  # the command line speaks English (docs/i18n.md)
    def handle(self, *args, **options):
        currency = (options["currency"] or default_currency()).upper()
        prices = _prices(options, currency)
        if options["first_period_price"] and not options["first_period_minutes"]:
            raise CommandError("--first-period-price needs --first-period-minutes.")

        users = get_user_model()
        if not users.objects.filter(username=options["owner"]).exists():
            # A new owner's name follows the admin's rule for user names ("" is none).
            try:
                users._meta.get_field(users.USERNAME_FIELD).clean(options["owner"], None)
            except ValidationError as exc:
                raise CommandError(f"--owner: {' '.join(exc.messages)}") from exc
        owner, created = users.objects.get_or_create(
            username=options["owner"], defaults={"is_staff": True}
        )
        if created:
            owner.set_unusable_password()
            owner.save()
            self.stdout.write(
                f"Created owner {owner.username}; set a password with: "
                f"python manage.py changepassword {owner.username}"
            )
        elif not owner.groups.filter(name=LOT_OWNERS_GROUP).exists():
            self.stdout.write(f'{owner.username} is now a lot owner ("{LOT_OWNERS_GROUP}" group).')
        make_lot_owner(owner)
        try:
            lot = create_lot(
                owner=owner,
                name=options["name"],
                address=options["address"],
                latitude=options["lat"],
                longitude=options["lng"],
                capacity=options["capacity"],
                currency=currency,
                timezone=options["timezone"],
                free_minutes=options["free_minutes"],
                first_period_minutes=options["first_period_minutes"],
                unit_minutes=options["unit_minutes"],
                **prices,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(_messages(exc))) from exc
        self.stdout.write(
            f"Created lot {lot.name!r}: {lot.capacity} spaces, {lot.tariff.describe()}"
        )
        if not (prices["unit_price"] or prices["first_period_price"]) or prices["daily_cap"] == 0:
            # A forgotten --unit-price would let every car out for nothing.
            self.stderr.write(
                self.style.WARNING(
                    "Parking here is free: no price was given (--unit-price, "
                    "--first-period-price), or the daily cap is 0. Set the tariff in the "
                    "admin if it is not."
                )
            )
        self.stdout.write(str(lot.pk))


def _prices(options, currency: str) -> dict[str, int | None]:
    """The tariff's prices in minor units, as create_lot takes them (CommandError if not)."""
    prices = {}
    for name in ("first_period_price", "unit_price", "daily_cap"):
        flag = "--" + name.replace("_", "-")
        if options[name] is None:  # only the daily cap may be left out
            prices[name] = None
            continue
        try:
            prices[name] = to_minor(options[name], currency)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if prices[name] > MAX_TARIFF_PRICE:
            largest = to_major(in_coins(MAX_TARIFF_PRICE, currency), currency)
            raise CommandError(f"{flag}: a price is at most {largest} {currency}.")
    return prices


def _messages(exc: ValidationError):
    if hasattr(exc, "message_dict"):
        return [f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()]
    return exc.messages
