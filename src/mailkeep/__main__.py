"""``python -m mailkeep`` runs the CLI."""

from mailkeep.access.cli.main import run

run()
