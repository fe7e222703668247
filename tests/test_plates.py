import pytest

from parking.plates import InvalidPlate, normalise_plate, ocr_key


@pytest.mark.parametrize(
    "text",
    [
        "ABC-1234",
        "abc 1234",
        "ＡＢＣ－１２３４",
        " abc.1234 ",
        "Abc_1234",
        "ABC\u22121234",
        # A camera's line end, or a form without its closing boundary: the plate is inside.
        "ABC-1234\r\n",
        "\nABC1234\n",
    ],
)
def test_one_plate_however_it_is_written(text):
    assert normalise_plate(text) == "ABC1234"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "-",
        "A",
        "ABCDEFGHIJK",
        "AB<script>",
        "AB'; DROP",
        "AB\x00CD",
        "AB\nCD",
        "AB\u200bCD",
        "🚗AB",
    ],
)
def test_what_cannot_be_a_plate_is_refused_with_a_reason(text):
    with pytest.raises(InvalidPlate) as refused:
        normalise_plate(text)
    assert refused.value.message


def test_plates_from_other_scripts_are_letters_too():
    assert normalise_plate("品川 330 あ 12-34") == "品川330あ1234"


@pytest.mark.parametrize(
    "text",
    [
        "\u0410123\u0412\u0421 77",  # Cyrillic capitals: А123ВС 77
        "\u0430123\u0432\u0441-77",  # typed in lower case: а123вс
        "A123\u0412C77",  # one Cyrillic letter among Latin ones
        "\u0391123\u0392C77",  # Greek Α and Β, Latin C
    ],
)
def test_cyrillic_and_greek_letters_drawn_as_latin_are_the_latin_plate(text):
    assert normalise_plate(text) == "A123BC77"


def test_cyrillic_and_greek_letters_unlike_latin_ones_stay_as_they_are():
    # Д and Ж (Cyrillic), Δ and Σ (Greek) look like no Latin letter.
    assert normalise_plate("\u0414\u0416 \u0394\u03a3") == "\u0414\u0416\u0394\u03a3"


def test_non_text_is_refused():
    with pytest.raises(InvalidPlate):
        normalise_plate(1234)


def test_ocr_look_alikes_fold_together():
    assert ocr_key("ABC1234") == ocr_key("A8C1234") == ocr_key("ABCI234") == ocr_key("ABCL234")
    assert ocr_key("ODQ0") == "0000"
    assert ocr_key("SGZB") == "5628"


def test_different_characters_stay_apart():
    assert ocr_key("ABC1234") != ocr_key("ABC1235")
    assert ocr_key("ABC1234") != ocr_key("XBC1234")
