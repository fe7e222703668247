"""SQL that migrations install: the gate functions (gate_functions.sql), as they stand."""

from pathlib import Path

GATE_FUNCTIONS = Path(__file__).resolve().parent / "gate_functions.sql"


def install_gate_functions(apps, schema_editor) -> None:
    """Create or replace every gate function (PostgreSQL only; others take the ORM path)."""
    if schema_editor.connection.vendor == "postgresql":
        # No placeholders: a % in the file is literal.
        schema_editor.execute(GATE_FUNCTIONS.read_text(), params=None)


def reinstall_gate_functions(drop: str):
    """A RunPython function: drop the functions whose arguments or result columns
    changed (PostgreSQL cannot change those in place), then install them all."""

    def reinstall(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(drop)
        install_gate_functions(apps, schema_editor)

    return reinstall
