"""RFC 4515 search filters: checked before a filter is stored, so that a typo is reported
when it is configured rather than at the next (scheduled) sync."""

from __future__ import annotations

import re

from mailkeep.errors import InvalidInputError

# attributedescription: a name or numeric OID, with ";option" suffixes (RFC 4512).
_ATTRIBUTE = re.compile(r"(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)(?:;[A-Za-z0-9-]+)*")
_RULE = re.compile(r"[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+")
_ESCAPE = re.compile(r"\\[0-9A-Fa-f]{2}")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def fail(self, why: str) -> InvalidInputError:
        return InvalidInputError(
            f"Invalid LDAP filter {self.text!r} at position {self.at + 1}: {why} (RFC 4515)."
        )

    def expect(self, char: str) -> None:
        if self.text[self.at : self.at + 1] != char:
            raise self.fail(f"expected {char!r}")
        self.at += 1

    def filter(self) -> None:
        self.expect("(")
        head = self.text[self.at : self.at + 1]
        if head in ("&", "|"):
            self.at += 1
            while self.text[self.at : self.at + 1] == "(":
                self.filter()
        elif head == "!":
            self.at += 1
            self.filter()
        else:
            self.item()
        self.expect(")")

    def item(self) -> None:
        attribute = _ATTRIBUTE.match(self.text, self.at)
        if attribute is not None:
            self.at = attribute.end()
        if self.text.startswith(":dn", self.at):
            self.at += 3
        if self.text.startswith(":", self.at) and not self.text.startswith(":=", self.at):
            rule = _RULE.match(self.text, self.at + 1)
            if rule is None:
                raise self.fail("expected a matching rule")
            self.at = rule.end()
        elif attribute is None:
            raise self.fail("expected an attribute name")
        operator = re.compile(r"~=|>=|<=|:=|=").match(self.text, self.at)
        if operator is None:
            raise self.fail("expected =, ~=, >=, <= or :=")
        self.at = operator.end()
        self.value(allow_star=operator.group() == "=")

    def value(self, allow_star: bool) -> None:
        while self.at < len(self.text) and self.text[self.at] != ")":
            char = self.text[self.at]
            if char == "\\":
                if _ESCAPE.match(self.text, self.at) is None:
                    raise self.fail("a backslash must be followed by two hex digits")
                self.at += 3
                continue
            if char == "(" or char == "\0" or (char == "*" and not allow_star):
                raise self.fail(f"unescaped {char!r} in a value")
            self.at += 1


def check_filter(text: str) -> str:
    """``text`` when it is one well-formed RFC 4515 filter, else InvalidInputError."""
    parser = _Parser(text.strip())
    if not parser.text:
        raise InvalidInputError("The LDAP filter is empty.")
    parser.filter()
    if parser.at != len(parser.text):
        raise parser.fail("text after the end of the filter")
    return parser.text
