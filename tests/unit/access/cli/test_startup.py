"""Every ``mailkeep`` run pays for what it imports: the CLI loads only the command it runs.

Checked by the modules a fresh interpreter holds afterwards, not by timings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from mailkeep.access.cli.main import MailkeepGroup, app

# Heavy or specialised: none is needed to parse the command line.
NOT_AT_IMPORT = (
    "sqlalchemy",
    "alembic",
    "tantivy",
    "ldap",
    "rich",
    "cryptography",
    "mailkeep.runtime",
    "mailkeep.store",
    "mailkeep.ingest",
    "mailkeep.directory",
    "mailkeep.jobs",
    "mailkeep.access.web",
    "mailkeep.access.api",
)
# Not needed to list the stores (``store list --json``).
NOT_FOR_STORE_LIST = (
    "alembic",
    "ldap",
    "rich",
    "sqlalchemy.dialects.postgresql",
    "mailkeep.ingest",
    "mailkeep.directory",
    "mailkeep.jobs",
    "mailkeep.access.web",
    "mailkeep.access.api",
    "mailkeep.access.cli.users",
    "mailkeep.access.cli.profiles",
)


def _loaded(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def _offenders(loaded: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded if any(m == f or m.startswith(f + ".") for f in forbidden))


def test_importing_the_cli_loads_no_command_code() -> None:
    loaded = _loaded(
        "import json, sys; import mailkeep.access.cli.main; print(json.dumps(list(sys.modules)))"
    )
    assert _offenders(loaded, NOT_AT_IMPORT) == []


def test_store_list_loads_only_what_it_uses(tmp_path: Path) -> None:
    data = tmp_path / "data"
    init = [sys.executable, "-m", "mailkeep", "--data-dir", str(data), "init", "--json"]
    subprocess.run(init, capture_output=True, check=True, timeout=120)
    loaded = _loaded(
        "import json, sys\n"
        "from mailkeep.access.cli.main import app\n"
        f"app(['--data-dir', {str(data)!r}, 'store', 'list', '--json'], standalone_mode=False)\n"
        "print(json.dumps(list(sys.modules)))"
    )
    assert "mailkeep.access.cli.stores" in loaded
    assert _offenders(loaded, NOT_FOR_STORE_LIST) == []


def test_help_lists_every_command_with_its_help() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in ("init", "search", "show", "folders", *MailkeepGroup.lazy):
        line = next(line for line in result.output.splitlines() if f"│ {name} " in line)
        assert len(line.split(name, 1)[1].strip(" │")) > 10, line


def test_every_lazy_command_loads_under_its_name() -> None:
    for name, lazy in MailkeepGroup.lazy.items():
        command = lazy.load(name)
        assert command.name == name
        assert command.help


def test_a_mistyped_command_is_still_suggested() -> None:
    result = CliRunner().invoke(app, ["stor", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "Did you mean 'store'?" in result.output


def test_the_fork_server_starts_before_anything_heavy_is_imported() -> None:
    """The import commands start the workers' fork server first, so that it loads the parsers
    on the other core while the command imports the database layer: its module needs only the
    standard library."""
    loaded = _loaded(
        "import json, sys; import mailkeep.ingest.forkserver; print(json.dumps(list(sys.modules)))"
    )
    assert "mailkeep.ingest.forkserver" in loaded
    heavy = ("sqlalchemy", "pebble", "tantivy", "cryptography", "mailkeep.ingest.analyze")
    assert _offenders(loaded, heavy) == []
