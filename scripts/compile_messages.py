"""Compile gettext catalogues (locale/*/LC_MESSAGES/*.po) into the .mo files Django reads.

Pure Python (the standard library only), so that `make run` needs nothing but
python3: GNU gettext is needed only to *update* the catalogues (`make
makemessages`). Does what `msgfmt` does for the catalogues makemessages writes:
fuzzy and untranslated entries are left out, contexts and plural forms kept.
tests/test_i18n_catalogues.py checks the result against GNU msgfmt's.

    python3 scripts/compile_messages.py [FILE.po ...]   (default: every catalogue)
"""

import ast
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAGIC = 0x950412DE


class PoSyntaxError(ValueError):
    pass


def _string(text: str, path: Path, number: int) -> str:
    """One quoted PO string ("a\\nb"): C escapes, as Python reads them."""
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise PoSyntaxError(f"{path}:{number}: expected a quoted string, got {text!r}")
    return ast.literal_eval(text)


def _entries(path: Path):
    """Each entry of a .po file as (fields, flags): fields maps keyword to text."""
    fields: dict[str, str] = {}
    flags: set[str] = set()
    keyword = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        starts_entry = line.startswith("#") or line.startswith(("msgctxt", "msgid "))
        if (not line or starts_entry) and any(key.startswith("msgstr") for key in fields):
            yield fields, flags
            fields, flags, keyword = {}, set(), None
        if not line:
            continue
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue  # comments, locations, obsolete entries (#~)
        elif line.startswith('"'):
            if keyword is None:
                raise PoSyntaxError(f"{path}:{number}: a string outside an entry")
            fields[keyword] += _string(line, path, number)
        else:
            keyword, _space, rest = line.partition(" ")
            fields[keyword] = _string(rest, path, number)
    if fields:
        yield fields, flags


def read_po(path: Path) -> dict[bytes, bytes]:
    """The translated messages of a catalogue, keyed as in a .mo file."""
    messages = {}
    for fields, flags in _entries(path):
        msgid = fields.get("msgid")
        if msgid is None:
            raise PoSyntaxError(f"{path}: an entry without msgid: {fields}")
        if "msgid_plural" in fields:
            forms = [fields[key] for key in sorted(fields) if key.startswith("msgstr[")]
            key = msgid + "\0" + fields["msgid_plural"]
            value = "\0".join(forms)
            translated = any(forms)
        else:
            key, value = msgid, fields.get("msgstr", "")
            translated = bool(value)
        if "msgctxt" in fields:
            key = fields["msgctxt"] + "\x04" + key
        if "fuzzy" in flags and msgid != "":
            continue
        if msgid == "":  # the header; msgfmt leaves out when the template was made
            value = "".join(
                line for line in value.splitlines(True) if not line.startswith("POT-Creation-Date:")
            )
        if translated:
            messages[key.encode()] = value.encode()
    return messages


def mo_bytes(messages: dict[bytes, bytes]) -> bytes:
    """A GNU .mo file: header, key and value tables, then the strings (no hash table)."""
    keys = sorted(messages)
    ids = strs = b""
    offsets = []
    for key in keys:
        offsets.append((len(ids), len(key), len(strs), len(messages[key])))
        ids += key + b"\0"
        strs += messages[key] + b"\0"
    header_size = 7 * 4
    key_start = header_size + 16 * len(keys)
    value_start = key_start + len(ids)
    key_table, value_table = [], []
    for key_offset, key_length, value_offset, value_length in offsets:
        key_table += [key_length, key_offset + key_start]
        value_table += [value_length, value_offset + value_start]
    header = struct.pack("<7I", MAGIC, 0, len(keys), header_size, header_size + 8 * len(keys), 0, 0)
    tables = struct.pack(f"<{len(key_table)}I", *key_table)
    tables += struct.pack(f"<{len(value_table)}I", *value_table)
    return header + tables + ids + strs


def compile_po(path: Path) -> Path:
    target = path.with_suffix(".mo")
    partial = target.with_suffix(".mo.partial")
    partial.write_bytes(mo_bytes(read_po(path)))
    partial.replace(target)  # never a half-written catalogue
    return target


def main(argv: list[str]) -> int:
    paths = [Path(arg) for arg in argv] or sorted(ROOT.glob("locale/*/LC_MESSAGES/*.po"))
    for path in paths:
        target = compile_po(path)
        print(f"compiled {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
