from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from parking import gate_client
from parking.models import Gate, hash_token


class Command(BaseCommand):
    help = (
        "Act as a gate camera: post a plate read to the gate API over HTTP and print the "
        "decision. The token decides the lot and, unless --direction says, the direction. "
        "Exit status: 0 when the gate opens, 1 when it stays closed, 2 when nothing was "
        "decided."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.SITE_URL, help="OpenLot's base URL")
        parser.add_argument("--direction", choices=["entry", "exit"])
        gate_client.add_arguments(parser)

    def handle(self, *args, **options):
        direction = options["direction"] or self._direction_of(options["token"])
        try:
            response = gate_client.post_read(
                options["url"],
                options["token"],
                direction,
                options["plate"],
                photo_url=options["photo_url"],
                photo_path=options["photo_path"],
                read_id=options["read_id"],
            )
        except FileNotFoundError as exc:
            raise CommandError(f"There is no photo file at {exc.filename}.") from exc
        except OSError as exc:
            raise CommandError(f"Could not reach {options['url']}: {exc}") from exc
        self.stdout.write(gate_client.describe(response))
        # As openlot-gate: a script can tell an open gate (0) from a closed one (1) and
        # from a call that decided nothing (2).
        if status := gate_client.exit_status(response):
            raise SystemExit(status)

    def _direction_of(self, token: str) -> str:
        gate = Gate.objects.filter(token_hash=hash_token(token)).first()
        if gate is None:
            raise CommandError(
                "This token belongs to no gate in the local database; pass --direction."
            )
        return gate.direction
