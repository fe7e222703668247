"""How many kiosk searches it takes to list who is parked in a lot.

    .venv/bin/python -m benchmarks.plate_listing

Not a speed benchmark: what the kiosk search's minimum length (SEARCH_MIN_LENGTH)
and its 6 answers give away. Someone who wants a lot's plates searches every string
of N digits ("000", "001", ... in a random order) and keeps every plate the search
would answer (parking.plates.match_rank, best 6, as parking.services ranks them).
Lots of 30 and 200 cars with plates as Taiwan's (3 letters and 4 digits, 2 and 4,
4 and 2); for each length, the cars found after 100, 300 (one client's hourly
limit), 1,000, 3,000 and 10,000 searches. No database: the search's matching alone.
"""

import argparse
import itertools
import random
import string

from benchmarks.common import write_result
from parking.plates import match_rank

SHOWN = 6  # parking.services.KIOSK_SEARCH_LIMIT
BUDGETS = (100, 300, 1000, 3000, 10000)


def lot_plates(cars: int, rng: random.Random) -> list[str]:
    letters, digits = string.ascii_uppercase, string.digits
    shapes = [(letters, 3, digits, 4)] * 3 + [(letters, 2, digits, 4), (digits, 4, letters, 2)]
    plates = set()
    while len(plates) < cars:
        first, first_count, second, second_count = rng.choice(shapes)
        plates.add("".join(rng.choices(first, k=first_count) + rng.choices(second, k=second_count)))
    return sorted(plates)


def found_after(plates: list[str], length: int, rng: random.Random) -> dict[int, int]:
    searches = ["".join(digits) for digits in itertools.product(string.digits, repeat=length)]
    rng.shuffle(searches)
    found: set[str] = set()
    counts = {}
    for done, typed in enumerate(searches, 1):
        ranked = sorted((rank, plate) for plate in plates if (rank := match_rank(typed, plate)))
        found.update(plate for _rank, plate in ranked[:SHOWN])
        if done in BUDGETS:
            counts[done] = len(found)
        if len(found) == len(plates):
            counts.setdefault(done, len(found))
            break
    counts["all found after"] = done if len(found) == len(plates) else None
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cars", type=int, nargs="+", default=[30, 200])
    parser.add_argument("--lengths", type=int, nargs="+", default=[3, 4])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    runs = []
    for cars in args.cars:
        plates = lot_plates(cars, random.Random(args.seed * 1000 + cars))
        for length in args.lengths:
            counts = found_after(plates, length, random.Random(args.seed + length))
            runs.append({"cars": cars, "typed_digits": length, "found_after_searches": counts})
            print(f"{cars} cars, {length} digits typed: {counts}")
    path = write_result(
        "plate-listing",
        {"command": "python -m benchmarks.plate_listing", "shown": SHOWN, "runs": runs},
    )
    print(f"-> {path}")


if __name__ == "__main__":
    main()
