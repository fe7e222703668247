"""The message catalogues: nothing left untranslated, placeholders kept, compiled as msgfmt would.

`make makemessages` (Django's makemessages, GNU xgettext) is run on a copy of
the project, so that a string marked for translation but missing from
locale/zh_Hant, or changed since it was translated (fuzzy), fails here.
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import compile_messages  # noqa: E402  (a script, not a package)

CATALOGUES = sorted(ROOT.glob("locale/*/LC_MESSAGES/django.po"))
# What makemessages reads (and what settings need to load); the rest is left behind.
PROJECT = ["manage.py", "Makefile", "config", "lots", "parking", "payments", "admin_portal",
           "templates", "static", "locale"]  # fmt: skip
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*[sd]|\{\w+\}")


def gettext_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"GNU gettext's {name} is required in CI (apt-get install gettext)")
        pytest.skip(f"GNU gettext's {name} is not installed (apt-get install gettext)")
    return path


def entries(path: Path):
    """(fields, flags) of each message of a catalogue, the header left out."""
    return [(f, flags) for f, flags in compile_messages._entries(path) if f["msgid"]]


def msgstrs(fields: dict) -> list[str]:
    return [value for key, value in sorted(fields.items()) if key.startswith("msgstr")]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """locale/ as `make makemessages` leaves it after reading today's code."""
    gettext_tool("xgettext")
    copy = tmp_path_factory.mktemp("project")
    for name in PROJECT:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    environment.pop("DATABASE_URL", None)
    result = subprocess.run(
        ["make", "--no-print-directory", "makemessages", f"PY={sys.executable}"],
        cwd=copy,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return copy / "locale"


# English is the source language: its catalogue may leave a message as its msgid.
TRANSLATED = sorted(path.parent.parent.name for path in CATALOGUES if not path.match("en/*/*"))


def test_traditional_chinese_is_one_of_the_translations():
    assert "zh_Hant" in TRANSLATED


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_message_is_translated(regenerated, locale):
    catalogue = regenerated / locale / "LC_MESSAGES" / "django.po"

    untranslated = [f["msgid"] for f, _flags in entries(catalogue) if not all(msgstrs(f))]
    fuzzy = [f["msgid"] for f, flags in entries(catalogue) if "fuzzy" in flags]

    assert untranslated == [], f"translate these in locale/{locale} (make makemessages)"
    assert fuzzy == [], "check these translations and remove their fuzzy flag"


def test_the_english_catalogue_has_every_message_and_nothing_fuzzy(regenerated):
    catalogue = regenerated / "en" / "LC_MESSAGES" / "django.po"
    chinese = regenerated / "zh_Hant" / "LC_MESSAGES" / "django.po"

    messages = {(f.get("msgctxt"), f["msgid"]) for f, _flags in entries(catalogue)}

    assert messages == {(f.get("msgctxt"), f["msgid"]) for f, _flags in entries(chinese)}
    assert [f["msgid"] for f, flags in entries(catalogue) if "fuzzy" in flags] == []


def test_the_committed_catalogues_are_up_to_date(regenerated):
    for path in CATALOGUES:
        current = {(f.get("msgctxt"), f["msgid"]) for f, _flags in entries(path)}
        fresh = regenerated / path.relative_to(ROOT / "locale")
        assert current == {(f.get("msgctxt"), f["msgid"]) for f, _flags in entries(fresh)}, (
            f"{path.relative_to(ROOT)} is behind the code: run make makemessages"
        )


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parent.parent.name)
def test_translations_keep_every_placeholder(path):
    for fields, _flags in entries(path):
        sources = [fields["msgid"], fields.get("msgid_plural", fields["msgid"])]
        for translation in filter(None, msgstrs(fields)):
            assert any(
                sorted(PLACEHOLDER.findall(translation)) == sorted(PLACEHOLDER.findall(source))
                for source in sources
            ), f"{fields['msgid']!r}: {translation!r} changes the placeholders"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parent.parent.name)
def test_gnu_msgfmt_finds_nothing_wrong(path):
    result = subprocess.run(
        [gettext_tool("msgfmt"), "--check", "--output-file=/dev/null", str(path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parent.parent.name)
def test_our_compiler_gives_what_gnu_msgfmt_gives(path, tmp_path):
    subprocess.run(
        [gettext_tool("msgfmt"), f"--output-file={tmp_path / 'gnu.mo'}", str(path)], check=True
    )
    (tmp_path / "ours.mo").write_bytes(compile_messages.mo_bytes(compile_messages.read_po(path)))

    with open(tmp_path / "gnu.mo", "rb") as gnu, open(tmp_path / "ours.mo", "rb") as ours:
        assert gettext.GNUTranslations(ours)._catalog == gettext.GNUTranslations(gnu)._catalog


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parent.parent.name)
def test_the_compiled_catalogues_are_current(path):
    compiled = path.with_suffix(".mo")
    assert compiled.exists(), "run make messages"
    with open(compiled, "rb") as file:
        catalog = gettext.GNUTranslations(file)._catalog
    fresh = compile_messages.mo_bytes(compile_messages.read_po(path))
    assert catalog == gettext.GNUTranslations(_Bytes(fresh))._catalog, "run make messages"


def test_fuzzy_and_untranslated_messages_are_left_out(tmp_path):
    catalogue = tmp_path / "django.po"
    catalogue.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        'msgid "Welcome"\nmsgstr "歡迎光臨"\n\n'
        '#, fuzzy\nmsgid "Parking full"\nmsgstr "停車場"\n\n'
        'msgid "Not yet"\nmsgstr ""\n\n'
        'msgctxt "short weekday"\nmsgid "Tue"\nmsgstr "二"\n\n'
        'msgid "%(count)s lot"\nmsgid_plural "%(count)s lots"\nmsgstr[0] "%(count)s 個"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "舊的"\n',
        encoding="utf-8",
    )

    translations = gettext.GNUTranslations(_Bytes(compile_messages.mo_bytes(
        compile_messages.read_po(catalogue)
    )))  # fmt: skip

    assert translations.gettext("Welcome") == "歡迎光臨"
    assert translations.gettext("Parking full") == "Parking full"
    assert translations.gettext("Not yet") == "Not yet"
    assert translations.pgettext("short weekday", "Tue") == "二"
    assert translations.ngettext("%(count)s lot", "%(count)s lots", 5) == "%(count)s 個"
    assert translations.gettext("Gone") == "Gone"


class _Bytes:
    """A .mo file's bytes, read as GNUTranslations reads a file."""

    def __init__(self, data: bytes):
        self.data = data

    def read(self) -> bytes:
        return self.data


def test_djangos_admin_phrases_reworded_for_taiwan_are_still_djangos_and_ours_win():
    # admin_portal/wording.py: our catalogue comes first, so its entry for one of Django's
    # message ids replaces Django's ("成功删除了", a simplified character, on every delete).
    import django
    from django.utils import translation

    from admin_portal.wording import DJANGO_ADMIN_MESSAGES

    djangos = {
        fields["msgid"]
        for app in ("admin", "auth")
        for fields, _flags in entries(
            Path(django.__file__).parent / f"contrib/{app}/locale/zh_Hant/LC_MESSAGES/django.po"
        )
    }
    ours = {
        fields["msgid"]: msgstrs(fields)[0]
        for fields, _flags in entries(ROOT / "locale/zh_Hant/LC_MESSAGES/django.po")
    }
    for msgid in DJANGO_ADMIN_MESSAGES:
        assert msgid in djangos, f"no longer one of Django's messages: {msgid!r}"
        with translation.override("zh-hant"):
            assert translation.gettext(msgid) == ours[msgid]
    with translation.override("zh-hant"):
        deleted = translation.gettext("The %(name)s “%(obj)s” was deleted successfully.")
    assert deleted % {"name": "在場車輛", "obj": "KLM7788"} == "已刪除在場車輛「KLM7788」。"
