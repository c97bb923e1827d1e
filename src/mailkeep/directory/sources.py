"""The directory source a configuration describes."""

from __future__ import annotations

from mailkeep.directory.config import DirectoryConfig
from mailkeep.directory.files import CsvSource, MDaemonSource
from mailkeep.directory.ldap_source import LdapSource
from mailkeep.directory.model import DirectoryError, DirectorySource


def source_for(config: DirectoryConfig) -> DirectorySource:
    """The source of the configured type; DirectoryError when none is configured."""
    if config.type in ("ldap", "ad"):
        return LdapSource(config)
    if config.type == "mdaemon":
        return MDaemonSource(config)
    if config.type == "csv":
        return CsvSource(config)
    raise DirectoryError("No directory service is configured (mailkeep directory configure).")
