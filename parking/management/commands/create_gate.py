from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations

from config.i18n import default_language
from lots.models import Lot
from parking.models import Direction
from parking.services import create_gate


class Command(BaseCommand):
    help = (
        "Create a gate for a lot and print its API token on the last line. The token is "
        "shown only now; only its hash is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("--lot", required=True, type=int, help="lot id")
        parser.add_argument("--direction", required=True, choices=Direction.values)
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=None,
            help=f"language of the messages its display shows (default {default_language()})",
        )

    @no_translations  # the command line speaks English (docs/i18n.md)
    def handle(self, *args, **options):
        lot = Lot.objects.filter(pk=options["lot"]).first()
        if lot is None:
            raise CommandError(f"There is no lot with id {options['lot']}.")
        try:
            gate, token = create_gate(
                lot,
                name=options["name"],
                direction=options["direction"],
                language=options["language"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"Created {gate.direction} gate {gate.name!r} for lot {lot.pk} ({lot.name}), "
            f"speaking {gate.language}. "
            "Keep this token; it cannot be shown again:"
        )
        self.stdout.write(token)
