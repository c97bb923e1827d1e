"""Users from files: MDaemon's USERLIST.DAT and a CSV file.

USERLIST.DAT holds one account per line in fixed-width columns: domain (45 characters),
mailbox (30), full name (30), then fields mailkeep does not read (mail directory, the account's
password, flags). An account's user name is its mailbox name and its address mailbox@domain;
accounts with the same mailbox name in several domains are one user with several addresses.

The CSV file has a header row naming its columns: ``name`` (required), ``full_name``,
``email`` (several addresses separated by ``;`` or spaces) and ``dn``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from mailkeep.directory.config import DirectoryConfig
from mailkeep.directory.model import DirectoryError, DirectoryUser

DOMAIN, MAILBOX, FULL_NAME = slice(0, 45), slice(45, 75), slice(75, 105)
ACCESS_TYPE = 217  # after MailDir (90), password (20), AutoDecode and IsForwarding (1 each)
DISABLED = "C"  # access type of an account that is completely disabled


def _read(config: DirectoryConfig) -> str:
    path = Path(config.file)
    try:
        return path.read_text(encoding=config.file_encoding, errors="strict")
    except FileNotFoundError:
        raise DirectoryError(f"The user file {path} does not exist.") from None
    except UnicodeDecodeError as exc:
        raise DirectoryError(
            f"The user file {path} is not {config.file_encoding} at byte {exc.start}; "
            "set directory.file_encoding (e.g. cp1252)."
        ) from None
    except LookupError:
        raise DirectoryError(f"Unknown file encoding {config.file_encoding!r}.") from None
    except OSError as exc:
        raise DirectoryError(f"Cannot read the user file {path}: {exc.strerror}.") from None


class MDaemonSource:
    """The accounts of an MDaemon USERLIST.DAT (disabled accounts are left out)."""

    kind = "mdaemon"

    def __init__(self, config: DirectoryConfig) -> None:
        self.config = config

    def users(self) -> list[DirectoryUser]:
        """One user per mailbox name, with an address in each of its domains."""
        found: dict[str, DirectoryUser] = {}
        for number, line in enumerate(_read(self.config).splitlines(), 1):
            if not line.strip():
                continue
            if len(line) < FULL_NAME.start:
                raise DirectoryError(
                    f"{self.config.file} line {number} is not a USERLIST.DAT record."
                )
            if line[ACCESS_TYPE : ACCESS_TYPE + 1] == DISABLED:
                continue
            domain, mailbox = line[DOMAIN].strip(), line[MAILBOX].strip()
            if not mailbox:
                continue
            key = mailbox.lower()
            email = (f"{mailbox}@{domain}",) if domain else ()
            known = found.get(key)
            if known is None:
                found[key] = DirectoryUser(mailbox, line[FULL_NAME].strip(), email)
            else:
                found[key] = DirectoryUser(known.name, known.full_name, known.emails + email)
        return list(found.values())


class CsvSource:
    """Users listed in a CSV file with a header row."""

    kind = "csv"

    def __init__(self, config: DirectoryConfig) -> None:
        self.config = config

    def users(self) -> list[DirectoryUser]:
        """One user per row with a name (rows without one are skipped)."""
        rows = csv.DictReader(_read(self.config).splitlines())
        columns = {c.strip().lower() for c in rows.fieldnames or ()}
        if "name" not in columns:
            raise DirectoryError(f"The CSV file {self.config.file} has no 'name' column.")
        found: list[DirectoryUser] = []
        for row in rows:
            values = {
                k.strip().lower(): v.strip()
                for k, v in row.items()
                if isinstance(k, str) and isinstance(v, str)  # extra cells have no column
            }
            if not values.get("name"):
                continue
            emails = values.get("email", "").replace(";", " ").replace(",", " ").split()
            found.append(
                DirectoryUser(
                    values["name"], values.get("full_name", ""), tuple(emails), values.get("dn", "")
                )
            )
        return found
