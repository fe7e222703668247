from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

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

    def handle(self, *args, **options):
        lot = Lot.objects.filter(pk=options["lot"]).first()
        if lot is None:
            raise CommandError(f"There is no lot with id {options['lot']}.")
        try:
            gate, token = create_gate(lot, name=options["name"], direction=options["direction"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"Created {gate.direction} gate {gate.name!r} for lot {lot.pk} ({lot.name}). "
            "Keep this token; it cannot be shown again:"
        )
        self.stdout.write(token)
