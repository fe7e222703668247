"""Import lots from an open-data CSV with the columns of data/taiwan_parking_lots.csv.

Every row is checked; the good ones are loaded in one transaction, the others
are reported with their reason. A lot is known by its `source` and
`source_id`, so importing a file again loads nothing twice.
"""

import csv
import hashlib
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Lot, Tariff
from .tariff_signs import SignTariff, read_tariff_sign

COLUMNS = ("source", "source_id", "name", "address", "lat", "lng", "capacity", "tariff")
# The data sets are Taiwanese: prices in NT$ on the signs, Taiwan's clock.
CURRENCY, TIMEZONE = "TWD", "Asia/Taipei"
# Lots whose sign we cannot read get NT$30 per hour (the most common hourly
# price in the data set); owners correct it in the admin. See docs/map.md.
DEFAULT_TARIFF = SignTariff(unit_minutes=60, unit_price=3000)
MAX_CAPACITY = 100_000  # more spaces than any car park has: a typing error
BATCH_SIZE = 500

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class BoundingBox:
    west: float
    south: float
    east: float
    north: float

    def contains(self, latitude: float, longitude: float) -> bool:
        return self.south <= latitude <= self.north and self.west <= longitude <= self.east

    @classmethod
    def parse(cls, text: str) -> "BoundingBox":
        """'WEST,SOUTH,EAST,NORTH' in degrees (the order of GeoJSON and OpenStreetMap)."""
        try:
            west, south, east, north = (float(part) for part in text.split(","))
        except ValueError as exc:
            raise ValueError("a bounding box is WEST,SOUTH,EAST,NORTH in degrees") from exc
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise ValueError(
                "a bounding box needs -180 <= WEST < EAST <= 180, -90 <= SOUTH < NORTH <= 90"
            )
        return cls(west, south, east, north)

    def __str__(self) -> str:
        return f"{self.west},{self.south},{self.east},{self.north}"


# Taiwan with Penghu, Kinmen and Matsu.
TAIWAN = BoundingBox(west=118.1, south=21.8, east=122.1, north=26.4)


class SkipReason(StrEnum):
    MISSING_SOURCE = "missing_source"
    MISSING_NAME = "missing_name"
    MISSING_CAPACITY = "missing_capacity"
    INVALID_CAPACITY = "invalid_capacity"
    NO_CAR_SPACES = "no_car_spaces"
    INVALID_COORDINATES = "invalid_coordinates"
    OUTSIDE_BOUNDING_BOX = "outside_bounding_box"
    TOO_LONG = "too_long"
    DUPLICATE_IN_FILE = "duplicate_in_file"
    ALREADY_IMPORTED = "already_imported"

    @property
    def label(self) -> str:
        return str(_REASON_LABELS[self])


_REASON_LABELS = {
    SkipReason.MISSING_SOURCE: _("no source"),
    SkipReason.MISSING_NAME: _("no name"),
    SkipReason.MISSING_CAPACITY: _("no capacity"),
    SkipReason.INVALID_CAPACITY: _("capacity is not a number of spaces"),
    SkipReason.NO_CAR_SPACES: _("no car spaces (capacity 0)"),
    SkipReason.INVALID_COORDINATES: _("coordinates are not numbers"),
    SkipReason.OUTSIDE_BOUNDING_BOX: _("coordinates outside the bounding box"),
    SkipReason.TOO_LONG: _("a field is too long"),
    SkipReason.DUPLICATE_IN_FILE: _("same source and id as an earlier row"),
    SkipReason.ALREADY_IMPORTED: _("already imported"),
}


@dataclass(frozen=True)
class CsvRow:
    line: int  # where the row starts in the file (the header is line 1)
    values: dict[str, str]


@dataclass(frozen=True)
class SkippedRow:
    line: int
    source: str
    source_id: str
    name: str
    reason: SkipReason
    detail: str = ""


@dataclass
class ImportReport:
    rows: int = 0
    loaded_ids: list[int] = field(default_factory=list)
    tariffs_from_sign: int = 0
    tariffs_default: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return len(self.loaded_ids)

    def skipped_by_reason(self) -> Counter:
        return Counter(row.reason for row in self.skipped)


class ImportFileError(Exception):
    """The file cannot be imported at all (unreadable, or columns missing)."""


def read_lot_csv(path: Path | str) -> list[CsvRow]:
    """The rows of a lots CSV (UTF-8, header line), each with the line it starts on."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as file:
            reader = csv.DictReader(file)
            missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
            if missing:
                raise ImportFileError(f"{path}: missing columns: {', '.join(missing)}")
            rows, start = [], 2
            for values in reader:
                rows.append(CsvRow(start, {k: (v or "").strip() for k, v in values.items() if k}))
                start = reader.line_num + 1
            return rows
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ImportFileError(f"{path}: {exc}") from exc


@dataclass(frozen=True)
class _LotRow:
    line: int
    source: str
    source_id: str
    name: str
    address: str
    latitude: float
    longitude: float
    capacity: int
    tariff_text: str

    @property
    def key(self) -> tuple[str, str]:
        return self.source, self.source_id


def import_lots(
    rows: Iterable[CsvRow],
    *,
    owner,
    bounding_box: BoundingBox = TAIWAN,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row; load the good ones in one transaction; report the others."""
    rows = list(rows)
    progress = progress or (lambda stage, done, total: None)
    report = ImportReport(rows=len(rows))
    good: list[_LotRow] = []
    first_line: dict[tuple[str, str], int] = {}
    for done, row in enumerate(rows, 1):
        checked = check_row(row, bounding_box)
        if isinstance(checked, _LotRow) and checked.key in first_line:
            checked = _skip(
                row, SkipReason.DUPLICATE_IN_FILE, f"line {first_line[checked.key]}", checked
            )
        if isinstance(checked, SkippedRow):
            report.skipped.append(checked)
        else:
            first_line[checked.key] = checked.line
            good.append(checked)
        progress("check", done, len(rows))
    with transaction.atomic():
        new = _skip_already_imported(good, report)
        _load(new, owner, report, progress)
    report.skipped.sort(key=lambda skipped: skipped.line)
    return report


def check_row(row: CsvRow, bounding_box: BoundingBox) -> "_LotRow | SkippedRow":
    """The row as a lot to load, or why it cannot be one."""
    values = row.values
    source, name = values.get("source", ""), values.get("name", "")
    if not source:
        return _skip(row, SkipReason.MISSING_SOURCE)
    if not name:
        return _skip(row, SkipReason.MISSING_NAME)
    capacity = _capacity(values.get("capacity", ""))
    if isinstance(capacity, SkipReason):
        detail = values["capacity"] if capacity == SkipReason.INVALID_CAPACITY else ""
        return _skip(row, capacity, detail)
    lat_text, lng_text = values.get("lat", ""), values.get("lng", "")
    try:
        latitude, longitude = float(lat_text), float(lng_text)
    except ValueError:
        latitude = longitude = math.nan
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        detail = f"{lat_text}, {lng_text}" if lat_text or lng_text else ""
        return _skip(row, SkipReason.INVALID_COORDINATES, detail)
    if not bounding_box.contains(latitude, longitude):
        return _skip(row, SkipReason.OUTSIDE_BOUNDING_BOX, f"{latitude}, {longitude}")
    lot = _LotRow(
        line=row.line,
        source=source,
        source_id=values.get("source_id", "") or derived_source_id(name, latitude, longitude),
        name=name,
        address=values.get("address", ""),
        latitude=latitude,
        longitude=longitude,
        capacity=capacity,
        tariff_text=values.get("tariff", ""),
    )
    for field_name, text in (("source", lot.source), ("source_id", lot.source_id),
                             ("name", lot.name), ("address", lot.address)):  # fmt: skip
        if len(text) > Lot._meta.get_field(field_name).max_length:
            return _skip(row, SkipReason.TOO_LONG, field_name)
    return lot


def derived_source_id(name: str, latitude: float, longitude: float) -> str:
    """An id for a row that has none, stable across imports of the same data.

    Some cities publish lots without an id; the name and the position
    (rounded to about 10 cm) identify them instead.
    """
    key = f"{name}|{latitude:.6f}|{longitude:.6f}".encode()
    return "~" + hashlib.sha256(key).hexdigest()[:16]


def _capacity(text: str) -> int | SkipReason:
    if not text:
        return SkipReason.MISSING_CAPACITY
    try:
        capacity = int(text.replace(",", ""))
    except ValueError:
        return SkipReason.INVALID_CAPACITY
    if capacity == 0:
        return SkipReason.NO_CAR_SPACES
    if not 0 < capacity <= MAX_CAPACITY:
        return SkipReason.INVALID_CAPACITY
    return capacity


def _skip(row: CsvRow, reason: SkipReason, detail: str = "", lot: _LotRow | None = None):
    values = row.values
    return SkippedRow(
        line=row.line,
        source=values.get("source", ""),
        source_id=lot.source_id if lot else values.get("source_id", ""),
        name=values.get("name", ""),
        reason=reason,
        detail=detail,
    )


def _skip_already_imported(rows: list[_LotRow], report: ImportReport) -> list[_LotRow]:
    sources = {row.source for row in rows}
    existing = set(
        Lot.objects.filter(source__in=sources).values_list("source", "source_id").iterator()
    )
    new = []
    for row in rows:
        if row.key in existing:
            report.skipped.append(
                SkippedRow(
                    row.line, row.source, row.source_id, row.name, SkipReason.ALREADY_IMPORTED
                )
            )
        else:
            new.append(row)
    return new


def _load(rows: list[_LotRow], owner, report: ImportReport, progress: Progress) -> None:
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start : start + BATCH_SIZE]
        lots = Lot.objects.bulk_create(
            Lot(
                owner=owner,
                name=row.name,
                address=row.address,
                latitude=row.latitude,
                longitude=row.longitude,
                capacity=row.capacity,
                currency=CURRENCY,
                timezone=TIMEZONE,
                source=row.source,
                source_id=row.source_id,
            )
            for row in batch
        )
        tariffs = []
        for lot, row in zip(lots, batch, strict=True):
            sign = read_tariff_sign(row.tariff_text)
            if sign is None:
                report.tariffs_default += 1
                sign = DEFAULT_TARIFF
            else:
                report.tariffs_from_sign += 1
            tariffs.append(Tariff(lot_id=lot.pk, **sign.as_fields()))
        Tariff.objects.bulk_create(tariffs)
        report.loaded_ids += [lot.pk for lot in lots]
        progress("load", start + len(batch), len(rows))
