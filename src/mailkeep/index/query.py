"""The user query language, parsed into a small immutable AST.

The language is the one people know from mail clients::

    invoice "quarterly report" from:alice@example.com -folder:spam
    (subject:budget OR subject:forecast) after:2024-01 larger:2M has:attachment

Rules, in short:

* Terms separated by spaces are ANDed; ``AND``, ``OR`` and ``NOT`` (upper case only; lower-case
  ``and``/``or``/``not`` are ordinary words) combine them with the usual precedence
  ``NOT`` > ``AND`` (explicit or implicit) > ``OR``: ``a b OR c`` is ``(a AND b) OR c``.
* ``-term`` and ``-(group)`` negate; parentheses group.
* ``"..."`` is a phrase; a field value may be quoted: ``subject:"quarterly report"``.
* Fields: ``from: to: cc: bcc: subject: body: attachment: filename: folder:`` take text;
  ``has:attachment``; ``before: after: on:`` take ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (``/``
  separators also accepted); ``larger: smaller:`` take a size such as ``300``, ``10k``, ``2M``,
  ``1.5MB`` or ``300 bytes`` (a bare number followed by a unit word). Units are binary
  (``k`` = 1024). Field names are case-insensitive.
* Date semantics, for a period P (a day, month or year, in UTC): ``on:P`` is within P,
  ``after:P`` is on or after the start of P, ``before:P`` is strictly before the start of P;
  so ``after:X`` and ``before:X`` are complementary.
* A ``word:`` prefix that is not a field name is *not* an error: the whole token is an ordinary
  word (so ``http://example.com`` or ``Re:hello`` search as text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from mailkeep.errors import InvalidInputError

TextField = Literal[
    "from", "to", "cc", "bcc", "subject", "body", "attachment", "filename", "folder"
]
_TEXT_FIELD_NAMES: dict[str, TextField] = {name: name for name in get_args(TextField)}
TEXT_FIELDS: frozenset[str] = frozenset(_TEXT_FIELD_NAMES)
DATE_FIELDS: frozenset[str] = frozenset(("before", "after", "on"))
SIZE_FIELDS: frozenset[str] = frozenset(("larger", "smaller"))
ALL_FIELDS: frozenset[str] = TEXT_FIELDS | DATE_FIELDS | SIZE_FIELDS | {"has"}


class QuerySyntaxError(InvalidInputError):
    """A malformed query; the message names the problem and its (1-based) position."""

    code = "query_syntax"


@dataclass(frozen=True)
class Text:
    """Words to find: ``field`` None means the default (free-text) fields.

    ``phrase`` is True when the user quoted the value; unquoted values that analyse to several
    tokens (``alice@example.com``) are searched as phrases too.
    """

    value: str
    field: TextField | None = None
    phrase: bool = False


@dataclass(frozen=True)
class HasAttachment:
    """``has:attachment``."""


@dataclass(frozen=True)
class DateRange:
    """Messages dated in ``[start, end)`` (UTC days); either bound may be None (open)."""

    start: date | None
    end: date | None


@dataclass(frozen=True)
class SizeRange:
    """Messages whose size in bytes is strictly above ``above`` / strictly below ``below``."""

    above: int | None = None
    below: int | None = None


@dataclass(frozen=True)
class And:
    """All children match."""

    children: tuple[QueryNode, ...]


@dataclass(frozen=True)
class Or:
    """At least one child matches."""

    children: tuple[QueryNode, ...]


@dataclass(frozen=True)
class Not:
    """The child does not match."""

    child: QueryNode


QueryNode = Text | HasAttachment | DateRange | SizeRange | And | Or | Not


# --- lexer --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # one of ( ) - AND OR NOT word phrase field
    pos: int  # 0-based offset in the query text
    value: str = ""
    field: str = ""
    quoted: bool = False


_STOP = frozenset(' \t\r\n\f\v()"')
_OPERATORS = frozenset(("AND", "OR", "NOT"))


def _error(message: str, pos: int) -> QuerySyntaxError:
    return QuerySyntaxError(f"Invalid query: {message} at position {pos + 1}.", position=pos + 1)


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """Read a ``"..."`` string starting at ``text[start] == '"'``; return (content, end)."""
    end = text.find('"', start + 1)
    if end < 0:
        raise _error("unterminated quote", start)
    return text[start + 1 : end], end + 1


def _read_bare(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end] not in _STOP:
        end += 1
    return end


def _lex_word(text: str, start: int) -> tuple[_Token, int]:
    end = _read_bare(text, start)
    word = text[start:end]
    name, colon, rest = word.partition(":")
    if colon and name.lower() in ALL_FIELDS:
        field = name.lower()
        if rest:
            return _Token("field", start, rest, field), end
        if end < len(text) and text[end] == '"':
            value, end = _read_quoted(text, end)
            return _Token("field", start, value, field, quoted=True), end
        raise _error(f"missing value after '{name}:'", start)
    if word in _OPERATORS:
        return _Token(word, start), end
    return _Token("word", start, word), end


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(_Token(ch, i))
            i += 1
        elif ch == '"':
            value, end = _read_quoted(text, i)
            tokens.append(_Token("phrase", i, value))
            i = end
        elif ch == "-" and i + 1 < len(text) and text[i + 1] not in " \t\r\n\f\v)":
            tokens.append(_Token("-", i))
            i += 1
        else:
            token, i = _lex_word(text, i)
            tokens.append(token)
    return tokens


# --- values -------------------------------------------------------------------------------------

_DATE_RE = re.compile(r"(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?")
_SIZE_RE = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]*)")
_UNITS = {
    "": 1,
    "b": 1,
    "byte": 1,
    "bytes": 1,
    "k": 1024,
    "kb": 1024,
    "kib": 1024,
    "m": 1024**2,
    "mb": 1024**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gb": 1024**3,
    "gib": 1024**3,
}


def _period(value: str, field: str, pos: int) -> tuple[date, date]:
    """The ``[start, end)`` days of a ``YYYY[-MM[-DD]]`` period."""
    match = _DATE_RE.fullmatch(value.strip())
    try:
        if match is None:
            raise ValueError(value)
        year, month, day = match.groups()
        if day is not None:
            start = date(int(year), int(month), int(day))
            return start, date.fromordinal(start.toordinal() + 1)
        if month is not None:
            start = date(int(year), int(month), 1)
            later = (int(year) + int(month) // 12, int(month) % 12 + 1)
            return start, date(later[0], later[1], 1)
        return date(int(year), 1, 1), date(int(year) + 1, 1, 1)
    except (ValueError, OverflowError):
        raise _error(
            f"bad date '{value}' for {field}: (use YYYY-MM-DD, YYYY-MM or YYYY)", pos
        ) from None


def _date_node(field: str, value: str, pos: int) -> DateRange:
    start, end = _period(value, field, pos)
    if field == "before":
        return DateRange(None, start)
    if field == "after":
        return DateRange(start, None)
    return DateRange(start, end)


def parse_size(value: str) -> int | None:
    """Bytes in a size such as ``300``, ``10k``, ``1.5MB`` or ``300 bytes``; None if malformed."""
    match = _SIZE_RE.fullmatch(value.strip().lower())
    if match is None or match.group(2) not in _UNITS:
        return None
    return int(float(match.group(1)) * _UNITS[match.group(2)])


# --- parser -------------------------------------------------------------------------------------


class _Parser:
    """Recursive descent: or_expr := and_expr (OR and_expr)*; and_expr := unary (AND? unary)*;
    unary := (NOT | -) unary | '(' or_expr ')' | term."""

    def __init__(self, text: str, tokens: list[_Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.i = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def end_pos(self) -> int:
        return len(self.text.rstrip())

    def parse(self) -> QueryNode:
        node = self.or_expr()
        token = self.peek()
        if token is not None:  # only a stray ')' can stop or_expr early
            raise _error("unbalanced ')'", token.pos)
        return node

    def or_expr(self) -> QueryNode:
        children = [self.and_expr()]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.i += 1
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> QueryNode:
        children = [self.unary()]
        while (token := self.peek()) is not None and token.kind not in ("OR", ")"):
            if token.kind == "AND":
                self.i += 1
            children.append(self.unary())
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self) -> QueryNode:
        token = self.peek()
        if token is None:
            previous = self.tokens[self.i - 1] if self.i else None
            if previous is not None and previous.kind in ("AND", "OR", "NOT", "-"):
                raise _error(f"'{previous.kind}' is missing a term after it", previous.pos)
            raise _error("missing term", self.end_pos())
        self.i += 1
        if token.kind in ("NOT", "-"):
            return Not(self.unary())
        if token.kind == "(":
            if (nxt := self.peek()) is not None and nxt.kind == ")":
                raise _error("empty parentheses", token.pos)
            node = self.or_expr()
            closing = self.peek()
            if closing is None:
                raise _error("unbalanced '(' (missing ')')", token.pos)
            self.i += 1
            return node
        if token.kind in ("AND", "OR", ")"):
            if token.kind == ")":
                raise _error("unbalanced ')'", token.pos)
            raise _error(f"'{token.kind}' has no term before it", token.pos)
        return self.term(token)

    def term(self, token: _Token) -> QueryNode:
        if token.kind == "word":
            return Text(token.value)
        if token.kind == "phrase":
            return Text(token.value, phrase=True)
        return self.field_term(token)

    def field_term(self, token: _Token) -> QueryNode:
        field, value = token.field, token.value
        if field in DATE_FIELDS:
            return _date_node(field, value, token.pos)
        if field in SIZE_FIELDS:
            return self.size_term(token)
        if field == "has":
            if value.lower() in ("attachment", "attachments"):
                return HasAttachment()
            raise _error(f"unknown value 'has:{value}' (only has:attachment)", token.pos)
        return Text(value, _TEXT_FIELD_NAMES[field], token.quoted)

    def size_term(self, token: _Token) -> SizeRange:
        value = token.value
        nxt = self.peek()
        if (
            not token.quoted
            and re.fullmatch(r"\d+(?:\.\d+)?", value)
            and nxt is not None
            and nxt.kind == "word"
            and nxt.value.lower() in _UNITS
        ):
            value += nxt.value
            self.i += 1
        size = parse_size(value)
        if size is None:
            raise _error(
                f"bad size '{value}' for {token.field}: (use e.g. 300, 10k, 2M or 1.5MB)",
                token.pos,
            )
        return SizeRange(above=size) if token.field == "larger" else SizeRange(below=size)


def parse_query(text: str) -> QueryNode:
    """Parse a user query; raises ``QuerySyntaxError`` with a one-line message on bad input."""
    tokens = _tokenize(text)
    if not tokens:
        raise QuerySyntaxError("Invalid query: the query is empty.", position=0)
    return _Parser(text, tokens).parse()
