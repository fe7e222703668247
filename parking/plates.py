"""Licence plates as cameras read them and as drivers type them.

`normalise_plate` makes one spelling of a plate: Unicode NFKC (full-width
`ＡＢＣ－１２３４` becomes `ABC-1234`), upper case, separators removed; what is
left must be 2-10 letters or digits. `ocr_key` folds the characters cameras
confuse, so that `ABC-1234` and `A8C-I234` meet.
"""

import unicodedata

from django.utils.translation import gettext_lazy as _

PLATE_MIN_LENGTH = 2
PLATE_MAX_LENGTH = 10
# Characters a plate is printed with apart from letters and digits.
_SEPARATORS = frozenset(" \t-._·・/")
# Each group of characters a camera confuses, folded to one of them.
OCR_CONFUSIONS = {"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "Z": "2",
                  "S": "5", "G": "6", "B": "8"}  # fmt: skip
_OCR_TABLE = str.maketrans(OCR_CONFUSIONS)


class InvalidPlate(ValueError):
    """The text cannot be a licence plate; `message` says why, for the person or gate."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _is_plate_character(char: str) -> bool:
    # Letters and decimal digits of any script: the system is built to work
    # beyond Taiwan, where plates may carry local letters.
    return unicodedata.category(char) in {"Lu", "Ll", "Lt", "Lo", "Nd"}


def normalise_plate(text: str) -> str:
    """The canonical plate for `text`, or InvalidPlate."""
    if not isinstance(text, str):
        raise InvalidPlate(_("The plate must be text."))
    plate = "".join(
        char
        for char in unicodedata.normalize("NFKC", text).upper()
        if char not in _SEPARATORS and unicodedata.category(char) != "Pd"
    )
    if not plate:
        raise InvalidPlate(_("The plate is empty."))
    if not all(_is_plate_character(char) for char in plate):
        raise InvalidPlate(_("A plate has only letters and digits."))
    if not PLATE_MIN_LENGTH <= len(plate) <= PLATE_MAX_LENGTH:
        raise InvalidPlate(
            _("A plate has %(min)s to %(max)s letters and digits.")
            % {"min": PLATE_MIN_LENGTH, "max": PLATE_MAX_LENGTH}
        )
    return plate


def ocr_key(plate: str) -> str:
    """`plate` with every group of look-alike characters folded to one (8 for B, 0 for O/D/Q...)."""
    return plate.translate(_OCR_TABLE)
