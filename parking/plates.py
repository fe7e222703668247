"""Licence plates as cameras read them and as drivers type them.

`normalise_plate` makes one spelling of a plate: Unicode NFKC (full-width
`ＡＢＣ－１２３４` becomes `ABC-1234`), upper case, Cyrillic and Greek letters
that look Latin written as Latin, separators removed; what is left must be 2-10
letters or digits. `ocr_key` folds the characters cameras confuse, so that
`ABC-1234` and `A8C-I234` meet.
"""

import unicodedata

from django.utils.translation import gettext_lazy as _

from config.i18n import interpolate

PLATE_MIN_LENGTH = 2
PLATE_MAX_LENGTH = 10
# Characters a plate is printed with apart from letters and digits (and every dash,
# below). The minus sign (U+2212) is typed or pasted for a dash often enough to count.
_SEPARATORS = frozenset(" \t-._·・/\u2212")
# Each group of characters a camera confuses, folded to one of them.
OCR_CONFUSIONS = {"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "Z": "2",
                  "S": "5", "G": "6", "B": "8"}  # fmt: skip
# Capital Cyrillic and Greek letters drawn like Latin ones, written as those. Plates
# in Cyrillic and Greek scripts use only such letters (Russia, Ukraine, Bulgaria and
# Greece chose them to be read abroad), and one car is read or typed in either script:
# a camera set to Latin, a driver's keyboard set to Cyrillic. Without this, А123ВС
# (Cyrillic) and A123BC would be two cars, one inside and one with no entry record.
# Migration parking 0011 rewrote the plates of cars parked before.
SCRIPT_LOOK_ALIKES = {
    # Cyrillic: А В Е К М Н О Р С Т У Х, and І Ј Ѕ
    "\u0410": "A", "\u0412": "B", "\u0415": "E", "\u041a": "K", "\u041c": "M",
    "\u041d": "H", "\u041e": "O", "\u0420": "P", "\u0421": "C", "\u0422": "T",
    "\u0423": "Y", "\u0425": "X", "\u0406": "I", "\u0408": "J", "\u0405": "S",
    # Greek: Α Β Ε Ζ Η Ι Κ Μ Ν Ο Ρ Τ Υ Χ
    "\u0391": "A", "\u0392": "B", "\u0395": "E", "\u0396": "Z", "\u0397": "H",
    "\u0399": "I", "\u039a": "K", "\u039c": "M", "\u039d": "N", "\u039f": "O",
    "\u03a1": "P", "\u03a4": "T", "\u03a5": "Y", "\u03a7": "X",
}  # fmt: skip
_SCRIPT_TABLE = str.maketrans(SCRIPT_LOOK_ALIKES)
# The key folds look-alike scripts too, for the plates still stored in theirs (0011).
_OCR_FOLDS = OCR_CONFUSIONS | {
    char: OCR_CONFUSIONS.get(latin, latin) for char, latin in SCRIPT_LOOK_ALIKES.items()
}
_OCR_TABLE = str.maketrans(_OCR_FOLDS)
# The same folding for SQL's translate(plate, from, to) (parking/sql/gate_functions.sql).
OCR_FOLD_FROM = "".join(_OCR_FOLDS)
OCR_FOLD_TO = "".join(_OCR_FOLDS.values())


class InvalidPlate(ValueError):
    """The text cannot be a licence plate; `message` says why, for the person or gate."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _is_plate_character(char: str) -> bool:
    # Letters and decimal digits of any script: the system is built to work
    # beyond Taiwan, where plates may carry local letters.
    return unicodedata.category(char) in {"Lu", "Ll", "Lt", "Lo", "Nd"}


def _folded(text: str, *, in_latin: bool = True) -> str:
    """`text` in NFKC upper case, in Latin where it looks Latin, without separators.

    White space around the plate goes too: a reading that ends in a line end (some
    cameras' output, a multipart body without its closing boundary) is that plate.
    """
    text = unicodedata.normalize("NFKC", text.strip()).upper()
    if in_latin:
        text = text.translate(_SCRIPT_TABLE)
    return "".join(
        char for char in text if char not in _SEPARATORS and unicodedata.category(char) != "Pd"
    )


def plate_spellings(text: str) -> set[str]:
    """The plate `text` is (InvalidPlate if none), and its spelling in its own script.

    For searching rows stored before Cyrillic and Greek look-alikes were read as
    Latin (payments and gate events keep the plate they had then; migration 0011
    left a car in its script when its Latin spelling was inside too).
    """
    return {normalise_plate(text), _folded(text, in_latin=False)}


def normalise_plate(text: str) -> str:
    """The canonical plate for `text`, or InvalidPlate."""
    if not isinstance(text, str):
        raise InvalidPlate(_("The plate must be text."))
    plate = _folded(text)
    if not plate:
        raise InvalidPlate(_("The plate is empty."))
    if not all(_is_plate_character(char) for char in plate):
        raise InvalidPlate(_("A plate has only letters and digits."))
    if not PLATE_MIN_LENGTH <= len(plate) <= PLATE_MAX_LENGTH:
        raise InvalidPlate(
            interpolate(
                _("A plate has %(min)s to %(max)s letters and digits."),
                {"min": PLATE_MIN_LENGTH, "max": PLATE_MAX_LENGTH},
            )
        )
    return plate


def ocr_key(plate: str) -> str:
    """`plate` with every group of look-alike characters folded to one (8 for B, 0 for O/D/Q...)."""
    return plate.translate(_OCR_TABLE)


# The kiosk asks for at least this much of a plate, as Taiwan's pay stations ask
# for a plate's last four: fewer would help someone list who is parked. Searching
# every 3 digits ("000" to "999") finds all of a lot's cars within 1,000 searches,
# three hours of one client's limit; with 4 there are 10,000 to try, and 3,000
# found two cars in five (200 random plates; docs/payments.md).
SEARCH_MIN_LENGTH = 4


def normalise_search(text: str) -> str:
    """What a driver typed at the kiosk as plate text (InvalidPlate if it cannot be one)."""
    # Too short says so first: "a" is not told that a plate has 2 to 10 characters.
    if isinstance(text, str) and len(_folded(text)) < SEARCH_MIN_LENGTH:
        raise InvalidPlate(
            interpolate(
                _("Type at least %(min)s letters or digits of the plate."),
                {"min": SEARCH_MIN_LENGTH},
            )
        )
    return normalise_plate(text)


def near_key_patterns(key: str) -> tuple[list[str], list[str]]:
    """SQL LIKE patterns and exact keys that find every plate key near `key`.

    Near means: `key` is contained in it, or it is one edit away (one
    character replaced, added or missing). Returns (patterns, exact keys);
    plate keys hold only letters and digits, so nothing needs escaping.
    """
    patterns = [f"%{key}%"]
    patterns += [f"{key[:i]}_{key[i + 1 :]}" for i in range(len(key))]  # one replaced
    patterns += [f"{key[:i]}_{key[i:]}" for i in range(len(key) + 1)]  # one added
    shorter = sorted({key[:i] + key[i + 1 :] for i in range(len(key))})  # one missing
    return patterns, shorter


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (replacements, insertions, deletions), for ranking a few candidates."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def match_rank(typed: str, plate: str) -> tuple | None:
    """How well `plate` matches what the driver typed (smaller is better), or None if it doesn't.

    Best first: the same plate; the same up to OCR look-alikes; one character
    replaced or added (up to look-alikes); the typed text contained in the
    plate; last, a plate one character shorter than the typed text. A plate
    that lacks something the driver typed is the weakest guess: for "ABC1"
    (typed as the start of a plate), ABC123 is likelier than the plate ABC.
    Ties go to the plate closest to the typed text as written, then the
    shorter plate.
    """
    typed_key, plate_key = ocr_key(typed), ocr_key(plate)
    key_distance = edit_distance(typed_key, plate_key)
    if plate == typed:
        tier = 0
    elif key_distance == 0:
        tier = 1
    elif key_distance == 1 and len(plate_key) >= len(typed_key):
        tier = 2
    elif typed_key in plate_key:
        tier = 3
    elif key_distance == 1:
        tier = 4
    else:
        return None
    return (tier, edit_distance(typed, plate), len(plate), plate)
