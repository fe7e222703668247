import argparse
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import IntegrityError

from lots.importing import (
    CURRENCY,
    DEFAULT_TARIFF,
    TAIWAN,
    BoundingBox,
    ImportFileError,
    SkipReason,
    import_lots,
    read_lot_csv,
)
from lots.money import format_money
from lots.services import make_lot_owner
from lots.tariff_signs import SignTariff


class Command(BaseCommand):
    help = (
        "Import parking lots from an open-data CSV (columns: source, source_id, name, address, "
        "lat, lng, capacity, tariff). Bad rows are skipped and listed with their reason; lots "
        "already imported (same source and source_id) are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, UTF-8, with a header line")
        parser.add_argument(
            "--owner", required=True, help="username owning the lots; created if missing"
        )
        parser.add_argument(
            "--bbox",
            type=_bounding_box,
            default=TAIWAN,
            metavar="WEST,SOUTH,EAST,NORTH",
            help=f"skip lots outside this box, in degrees (default: Taiwan, {TAIWAN})",
        )

    @no_translations  # the command line speaks English (docs/i18n.md)
    def handle(self, *args, **options):
        try:
            rows = read_lot_csv(options["file"])
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        owner = self._owner(options["owner"])
        bar = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
        try:
            report = import_lots(
                rows, owner=owner, bounding_box=options["bbox"], progress=bar and bar.show
            )
        except IntegrityError as exc:
            raise CommandError(
                "Another import of the same lots ran at the same time; nothing was loaded. "
                "Run this one again."
            ) from exc
        finally:
            if bar:
                bar.done()
        self._print(report, options)

    def _owner(self, username: str):
        """The owner of the imported lots, created if missing, as `create_lot` does."""
        owner, created = get_user_model().objects.get_or_create(
            username=username, defaults={"is_staff": True}
        )
        if created:
            owner.set_unusable_password()
            owner.save()
            self.stdout.write(
                f"Created owner {owner.username}; set a password with: "
                f"python manage.py changepassword {owner.username}"
            )
        make_lot_owner(owner)
        return owner

    def _print(self, report, options):
        out, verbosity = self.stdout.write, options["verbosity"]
        listed = [
            row
            for row in report.skipped
            if verbosity >= 2 or (verbosity >= 1 and row.reason != SkipReason.ALREADY_IMPORTED)
        ]
        if listed:
            out("Skipped rows:")
        for row in listed:
            detail = f" ({row.detail})" if row.detail else ""
            out(
                f"  line {row.line}: {row.source} {row.source_id or '-'} "
                f"{row.name or '-'}: {row.reason.label}{detail}"
            )
        out(
            self.style.SUCCESS(f"Loaded {report.loaded:,} of {report.rows:,} rows")
            + f" from {options['file']} for {options['owner']}."
        )
        if report.loaded:
            out(
                f"  tariff read from the sign: {report.tariffs_from_sign:,}; "
                f"default tariff ({_describe(DEFAULT_TARIFF)}): {report.tariffs_default:,}"
            )
        out(f"Skipped {len(report.skipped):,} rows:")
        for reason, count in sorted(report.skipped_by_reason().items(), key=lambda i: -i[1]):
            out(f"  {count:>6,}  {reason.label}")


def _describe(sign: SignTariff) -> str:
    return f"{format_money(sign.unit_price, CURRENCY)} per {sign.unit_minutes} min"


def _bounding_box(text: str) -> BoundingBox:
    try:
        return BoundingBox.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


class ProgressBar:
    """A one-line progress bar on a terminal, redrawn at most once per percent."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream
        self.last = None

    def show(self, stage: str, done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if (stage, percent) == self.last:
            return
        self.last = (stage, percent)
        filled = self.WIDTH * done // max(total, 1)
        label = {"check": "Checking", "load": "Loading"}.get(stage, stage)
        self.stream.write(
            f"\r{label:<9}[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done:,}/{total:,}"
        )
        self.stream.flush()

    def done(self) -> None:
        if self.last:
            self.stream.write("\n")
            self.stream.flush()
