from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, no_translations
from django.utils import timezone

from admin_portal import demo
from config.i18n import default_language


class Command(BaseCommand):
    help = (
        "Load the demo (owner, lots, gates, parked cars, and the real lots of data/ for the "
        "map) once, and print how to use it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.SITE_URL, help="base URL to print")
        parser.add_argument(
            "--force", action="store_true", help="load even with DEBUG off (never in production)"
        )

    @no_translations  # the command line speaks English (docs/i18n.md)
    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("The demo has known passwords and tokens; it needs DEBUG on.")
        now = timezone.now()
        demo_lots = demo.seed(now)
        real_lots = demo.seed_open_data(now)
        base = options["url"].rstrip("/")
        out = self.stdout.write
        out("")
        out(self.style.SUCCESS("OpenLot demo is ready"))
        out(f"  Map          {base}/")
        out(f"               {real_lots:,} real lots, Taiwanese open data (simulated occupancy)")
        out(f"  API docs     {base}/api/docs")
        out(f"  Admin        {base}/admin/")
        out(f"               lot owner: {demo.OWNER[0]} / {demo.OWNER[1]}")
        out(f"               superuser: {demo.SUPERUSER[0]} / {demo.SUPERUSER[1]}")
        languages = " / ".join(name for _code, name in settings.LANGUAGES)
        out(f"  Languages    {languages}: switch on any page (default {settings.LANGUAGE_CODE})")
        out(f"               gates speak {default_language()}; change one in the admin")
        for item in demo_lots:
            lot = item.lot
            out("")
            out(f"  Lot {lot.pk}: {lot.name}  ({lot.occupied}/{lot.capacity} occupied)")
            out(f"    tariff      {lot.tariff.describe()}")
            out(f"    kiosk       {base}/kiosk/{lot.pk}/")
            out(f"    vacancy     {base}/api/lots/{lot.pk}/vacancy")
            out(f"    entry token {item.entry_token}")
            out(f"    exit token  {item.exit_token}")
        first = demo_lots[0]
        plate = demo.LOTS[0][-1][0]
        out("")
        out(f"  Pay at the kiosk: open {base}/kiosk/{first.lot.pk}/, type {plate}, pick the car,")
        out("  pay with the sandbox (no real money), then let it out:")
        out(
            f"    curl -s -X POST {base}/api/gates/exit -H 'Authorization: Bearer "
            f"{first.exit_token}' -H 'Content-Type: application/json' "
            f'-d \'{{"plate": "{plate}"}}\''
        )
        out("")
        out("  Try a car in and out:")
        out(
            f"    curl -s -X POST {base}/api/gates/entry -H 'Authorization: Bearer "
            f"{first.entry_token}' -H 'Content-Type: application/json' "
            '-d \'{"plate": "XYZ-5678", "photo_url": "https://example.com/xyz.jpg"}\''
        )
        out(
            f"    curl -s -X POST {base}/api/gates/exit -H 'Authorization: Bearer "
            f"{first.exit_token}' -H 'Content-Type: application/json' "
            '-d \'{"plate": "XYZ-5678"}\''
        )
        out("")
