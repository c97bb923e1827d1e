"""The fast MIME parser builds the stdlib's exact tree, or gives up and the stdlib parses."""

from __future__ import annotations

import pytest

from mailkeep.ingest.parse import fastmime, mime
from mailkeep.ingest.parse.fastmime import GiveUp

from .trees import stdlib_tree, tree_difference

MP = b"Content-Type: multipart/mixed; boundary=%s\n\n"


def assert_same_tree(raw: bytes) -> None:
    """The fast parser accepts ``raw`` and its tree equals the stdlib's in every detail."""
    difference = tree_difference(fastmime.parse_bytes(raw), stdlib_tree(raw))
    assert difference is None, difference


def assert_parse_message_unchanged(raw: bytes) -> None:
    """``parse_message`` returns the same result with the fast path on and off."""
    results = []
    for fast in (True, False):
        saved, mime.FAST_PATH = mime.FAST_PATH, fast
        try:
            results.append(mime.parse_message(raw))
        finally:
            mime.FAST_PATH = saved
    assert results[0] == results[1]


def multipart(boundary: bytes, body: bytes, subtype: bytes = b"mixed") -> bytes:
    return b'Content-Type: multipart/%s; boundary="%s"\n\n%s' % (subtype, boundary, body)


REGULAR = {
    "empty input": b"",
    "headers only, no line end": b"Subject: only",
    "headers only, line end": b"Subject: only\r\nFrom: a@b\r\n",
    "empty body": b"Subject: x\n\n",
    "simple LF": b"Subject: x\nFrom: a@b\n\nbody\nmore\n",
    "simple CRLF": b"Subject: x\r\n\r\nbody\r\n",
    "body without final line end": b"Subject: x\n\nbody",
    "no headers, body": b"\nbody only\n",
    "continuation lines": b"Subject: a\n b\n\tc\nX-Y:z\n\nbody\n",
    "whitespace-only continuation": b"Subject: a\n \n\nbody\n",
    "empty values": b"X-Empty:\nX-Blank: \t\n\n",
    "odd but valid names": b"X!#$%&'*+-.^_`{|}~9;<=>?@[]\\: v\n\n",
    "8-bit bytes": b"Subject: caf\xe9\n\nbody \xff\xfe\n",
    "mbox envelope line": b"From a@b Mon Jan  1 00:00:00 2001\r\nSubject: x\r\n\r\nFrom here\n",
    "mixed line ends around the blank line": b"Subject: x\r\n\nbody\r\n",
    "LF headers, CRLF blank line": b"Subject: x\nTo: y\n\r\n\nbody\n",
    "blank-looking line inside a field": b"Subject: x\n \r\n\t\n\nbody\n",
    "envelope line alone": b"From a@b Mon Jan  1 00:00:00 2001\n",
    "multipart": MP % b"b" + b"pre\n--b\n\nA\n--b\nContent-Type: text/html\n\n<p>\n\n--b--\nepi\n",
    "multipart CRLF, no preamble or epilogue": (
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nA\r\n--b--\r\n"
    ),
    "close at end of input": MP % b"b" + b"--b\n\nA\n--b--",
    "close then blank line": MP % b"b" + b"--b\n\nA\n--b--\n\n",
    "whitespace after delimiters": MP % b"b" + b"--b \t\n\nA\n--b\t\n\nB\n--b-- \n",
    "adjacent delimiters": MP % b"b" + b"--b\n--b\n\nA\n--b\n--b\n\nB\n--b--\n",
    "part with headers only": MP % b"b" + b"--b\nX: y\n--b--\n",
    "delimiter-like lines": MP % b"b" + b"--b\n\n--bx\n --b\nx--b\n--b--x\n--b--\n--b\n",
    "multi-line preamble": MP % b"b" + b"one\r\ntwo\r\n\r\n--b\n\nA\n--b--\n",
    "7bit multipart": b"Content-Transfer-Encoding: 7bit\n" + MP % b"b" + b"--b\n\nA\n--b--\n",
    "boundary with dashes": MP % b"b--" + b"--b--\n\nA\n--b----\n",
    "8-bit in parts": MP % b"b" + b"--b\nContent-Type: text/plain\n\n\xe9\xff\n--b--\n",
    "message/rfc822": b"Content-Type: message/rfc822\n\nSubject: inner\n\ninner body\n",
    "digest": multipart(
        b"d", b"--d\n\nSubject: one\n\n1\n--d\nContent-Type: text/plain\n\nt\n--d--\n", b"digest"
    ),
}


def _nested(outer: bytes, inner: bytes, after_inner: bytes = b"") -> bytes:
    part = multipart(inner, b"--%s\n\nI\n--%s--\n%s" % (inner, inner, after_inner))
    return multipart(outer, b"--%s\n%s\n--%s\n\nB\n--%s--\n" % (outer, part, outer, outer))


REGULAR |= {
    "nested": _nested(b"out", b"in"),
    "nested, inner epilogue": _nested(b"out", b"in", b"inner epilogue\n"),
    "nested, inner boundary prefix of outer": _nested(b"abc", b"ab"),
    "nested, outer boundary prefix of inner": _nested(b"ab", b"abc"),
    "rfc822 part with multipart inside": MP % b"b"
    + b"--b\nContent-Type: message/rfc822\n\nSubject: in\n"
    + multipart(b"c", b"--c\n\nx\n--c--\n")
    + b"\n--b--\n",
    "envelope lines in a part and a forwarded message": MP % b"b"
    + b"--b\nFrom a@b x\n\nA\n--b\nContent-Type: message/rfc822\n\nFrom c@d y\r\nX: 1\n\nB\n"
    + b"--b--\n",
    "rfc822 in rfc822 in a part": MP % b"b"
    + b"--b\nContent-Type: message/rfc822\n\nContent-Type: message/rfc822\n\nSubject: deep\n\nx\n"
    + b"--b--\n",
}


@pytest.mark.parametrize("raw", REGULAR.values(), ids=REGULAR.keys())
def test_regular_messages_take_the_fast_path(raw: bytes) -> None:
    assert_same_tree(raw)
    assert_parse_message_unchanged(raw)


def test_digest_parts_default_to_message_rfc822() -> None:
    tree = fastmime.parse_bytes(REGULAR["digest"])
    first, second = tree.get_payload()
    assert first.get_default_type() == "message/rfc822"
    assert first.get_payload()[0]["Subject"] == "one"
    assert second.get_content_type() == "text/plain"


GIVE_UP = {
    "lone CR": b"Subject: x\r\n\r\nbody\rmore\r\n",
    "first line a continuation": b" Subject: x\n\nbody\n",
    "continuation after envelope line": b"From a@b x\n continued\nSubject: x\n\n",
    "From line inside headers": b"Subject: x\nFrom a@b x\nTo: c@d\n\nbody\n",
    "From line ends headers": b"Subject: x\nFrom a@b x\n\nbody\n",
    "empty field name": b"Subject: x\n:value\n\nbody\n",
    "line neither header nor blank": b"Subject: x\nnot a header\n\nbody\n",
    "part body without blank line": MP % b"b" + b"--b\nA\n--b--\n",
    "space in field name": b"Bad Name: x\n\nbody\n",
    "8-bit field name": b"Subj\xe9ct: x\n\nbody\n",
    "delivery-status": b"Content-Type: message/delivery-status\n\nStatus: 5.0.0\n",
    "delivery-status part": MP % b"b"
    + b"--b\nContent-Type: message/delivery-status\n\nA: b\n--b--\n",
    "multipart without boundary": b"Content-Type: multipart/mixed\n\nbody\n",
    "empty boundary": b'Content-Type: multipart/mixed; boundary=""\n\n--\n\nA\n----\n',
    "folded quoted boundary": b'Content-Type: multipart/mixed; boundary="a\n b"\n\n--a\n b\n',
    "base64 multipart": b"Content-Transfer-Encoding: base64\n" + MP % b"b" + b"--b\n\nA\n--b--\n",
    "no start delimiter": MP % b"b" + b"just text\n",
    "close delimiter first": MP % b"b" + b"pre\n--b--\n--b\n\nA\n--b--\n",
    "no close delimiter": MP % b"b" + b"--b\n\nA\n",
    "close right after delimiter": MP % b"b" + b"--b\n\nA\n--b\n--b--\n\nB\n--b--\n",
    "outer delimiter cuts inner multipart": multipart(
        b"abc", b"--abc\n" + multipart(b"ab", b"--ab\n\nI\n--abc\n\nJ\n--ab--\n") + b"--abc--\n"
    ),
    "nested, same boundary": _nested(b"same", b"same"),
    "too deep": b"Content-Type: message/rfc822\n\n" * (fastmime.MAX_DEPTH + 1) + b"\nx\n",
}


@pytest.mark.parametrize("raw", GIVE_UP.values(), ids=GIVE_UP.keys())
def test_irregular_messages_are_left_to_the_stdlib(raw: bytes) -> None:
    with pytest.raises(GiveUp):
        fastmime.parse_bytes(raw)
    assert_parse_message_unchanged(raw)


def test_depth_limit_is_not_reached_by_ordinary_nesting() -> None:
    assert_same_tree(b"Content-Type: message/rfc822\n\n" * fastmime.MAX_DEPTH + b"\nx\n")


def test_unexpected_errors_become_give_up(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> int:
        raise KeyError("surprise")

    monkeypatch.setattr(fastmime, "_read_headers", broken)
    with pytest.raises(GiveUp, match="KeyError"):
        fastmime.parse_bytes(b"Subject: x\n\nbody\n")
    assert mime.parse_message(b"Subject: x\n\nbody\n").subject == "x"
