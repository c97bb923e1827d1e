"""mailkeep: a self-hosted email archiving server."""

__version__ = "0.1.0"
