"""Which mailboxes a many-mailbox profile reads: a user selection or a CSV file of accounts."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from mailkeep.errors import InvalidInputError
from mailkeep.master.names import name_key
from mailkeep.master.users import UserInfo

_HEADINGS = {
    "username": "login",
    "imapuser": "login",
    "imapusername": "login",
    "login": "login",
    "loginname": "login",
    "account": "login",
    "password": "password",
    "pass": "password",
    "pwd": "password",
    "imappassword": "password",
    "email": "email",
    "emailaddress": "email",
    "mail": "email",
    "address": "email",
    "mailkeepuser": "user",
    "mailkeepusername": "user",
    "archive": "user",
    "archiveuser": "user",
    "useraccount": "user",
}


@dataclass(frozen=True)
class UserSelection:
    """``all``, ``except:a,b`` or ``only:a,b`` over mailkeep users with an email address."""

    mode: str
    names: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> UserSelection:
        """Parse the ``--users`` option."""
        mode, _, rest = text.partition(":")
        names = tuple(n.strip() for n in rest.split(",") if n.strip())
        if mode == "all" and not rest:
            return cls("all")
        if mode in ("except", "only") and names:
            return cls(mode, names)
        raise InvalidInputError(f"--users must be all, except:a,b or only:a,b, not {text!r}.")

    def render(self) -> str:
        """The text form accepted by ``parse``."""
        return self.mode if self.mode == "all" else f"{self.mode}:{','.join(self.names)}"

    def choose(self, users: list[UserInfo]) -> list[UserInfo]:
        """The selected users that have an email address (needed to open their mailbox)."""
        wanted = {name_key(n) for n in self.names}
        chosen = []
        for user in users:
            listed = name_key(user.name) in wanted
            if (self.mode == "only" and not listed) or (self.mode == "except" and listed):
                continue
            if user.emails:
                chosen.append(user)
        return chosen


@dataclass(frozen=True)
class CsvAccount:
    """One row of an accounts CSV file."""

    login: str
    password: str
    email: str = ""
    user: str = ""

    def user_name(self) -> str:
        """The mailkeep user for this mailbox: as given, else the email's or login's local part."""
        return self.user or (self.email or self.login).split("@", 1)[0]


def _plain(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _heading(text: str) -> str:
    return _HEADINGS.get(_plain(text), "")


def read_accounts_csv(text: str) -> list[CsvAccount]:
    """Accounts from CSV text with a heading row (comma, semicolon or tab separated)."""
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        raise InvalidInputError("The CSV file is empty.")
    columns = [_heading(h) for h in rows[0]]
    # A bare "user" heading is the login when no other column is, else the mailkeep user.
    bare = "user" if "login" in columns else "login"
    columns = [bare if _plain(h) == "user" else c for h, c in zip(rows[0], columns, strict=True)]
    for needed in ("login", "password"):
        if needed not in columns:
            raise InvalidInputError(
                f"The CSV file needs a {needed} column; found headings {', '.join(rows[0])}."
            )
    accounts = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {c: v.strip() for c, v in zip(columns, row, strict=False) if c}
        if not values.get("login") or not values.get("password"):
            raise InvalidInputError(f"CSV line {number}: user name and password are required.")
        accounts.append(
            CsvAccount(
                values["login"], values["password"], values.get("email", ""), values.get("user", "")
            )
        )
    if not accounts:
        raise InvalidInputError("The CSV file lists no accounts.")
    return accounts
