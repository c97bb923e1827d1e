"""Deterministic synthetic mail corpus for the mailkeep benchmark.

Writes a maildir (``cur/``, ``new/``, ``tmp/``) or an mbox of N messages with a realistic mix:
plain text, HTML-only, multipart/alternative, multipart/mixed with PDF/DOCX/text attachments;
many charsets (utf-8, us-ascii, iso-8859-1, cp1252, koi8-r, iso-2022-jp, gb2312) and transfer
encodings (7bit/8bit, quoted-printable, base64), RFC 2047 encoded headers, threads
(In-Reply-To/References chains) and a long-tailed size distribution. Words come from a
built-in vocabulary with a Zipf-like frequency, so common words hit many messages and the
``RARE_WORDS`` hit only a handful.

Messages are produced one at a time (constant memory), so a million-message corpus streams to
disk. The same ``--seed`` and ``--count`` always give byte-identical output.

Usage::

    python bench/corpus.py --count 20000 --out /tmp/corpus --format maildir --seed 42
    python bench/corpus.py --size-mb 2048 --out /tmp/big.mbox --format mbox
"""

from __future__ import annotations

import argparse
import base64
import binascii
import io
import random
import sys
import time
import zipfile
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from itertools import accumulate
from pathlib import Path
from typing import Literal

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------


def _vocab(text: str) -> list[str]:
    return text.split()


# Ordered roughly by frequency: the position sets the Zipf weight.
ENGLISH = _vocab(
    """
the and to of a in is that for it you with on this be are have as not at we will from your
or by can our all an was but if they has more about would there which their one when what
so up out them been also new just time other some any these its into only over meeting
project team report please thanks update review today tomorrow week next budget plan client
customer order invoice payment account price service support system server data network
email message information office schedule call phone agenda draft document proposal contract
deadline release version change issue problem question answer request reply note attached
file folder archive backup storage database search index query result performance test build
deploy production staging config setting user password login access security policy rule
quarterly annual monthly weekly daily morning afternoon evening monday tuesday wednesday
thursday friday weekend holiday travel flight hotel conference workshop training session
presentation slides design product feature roadmap launch marketing sales revenue cost profit
forecast target goal metric analysis summary detail status progress risk approval sign manager
director engineer developer analyst consultant partner vendor supplier shipment delivery
warehouse inventory stock purchase quote estimate discount tax receipt refund balance bank
transfer wire credit debit statement audit compliance legal counsel agreement clause term
renewal license subscription trial upgrade migration integration interface module package
library framework platform cloud cluster node container kubernetes linux windows python java
script code commit branch merge patch bug fix crash error warning log monitor alert incident
outage recovery restore snapshot replica latency throughput capacity memory disk cpu load
traffic request response timeout retry queue worker thread process job task ticket sprint
backlog story estimate priority blocker owner stakeholder feedback survey interview candidate
hiring offer salary benefit vacation leave sick remote office building parking lunch dinner
coffee birthday party celebration congratulations welcome farewell reminder invitation event
newsletter announcement policy handbook guideline procedure checklist template form spreadsheet
chart table figure graph dashboard portal website page link download upload share comment
"""
)

GERMAN_FRENCH = _vocab(
    """
straße größe über müde grüße bestätigung rechnung angebot lieferung besprechung
été réunion société élève café déjà très français problème équipe données résumé
crème brûlée naïve façade garçon noël hôtel fenêtre forêt château bientôt
"""
)

RUSSIAN = _vocab(
    """
привет встреча отчёт проект команда письмо сегодня завтра неделя бюджет клиент заказ счёт
оплата договор сервер данные система вопрос ответ спасибо пожалуйста документ файл архив
поиск индекс версия ошибка задача работа москва компания директор менеджер
"""
)

JAPANESE = _vocab(
    """
会議 報告 予定 資料 確認 お願い 宜しく ありがとう 明日 今日 来週 予算 顧客 注文 請求書
支払い 契約 サーバー データ システム 質問 回答 文書 ファイル 検索 東京 会社 部長 担当
"""
)

CHINESE = _vocab(
    """
会议 报告 项目 团队 邮件 今天 明天 下周 预算 客户 订单 发票 付款 合同 服务器 数据 系统
问题 回答 谢谢 文件 档案 搜索 索引 版本 错误 任务 工作 北京 上海 公司 经理
"""
)

RARE_WORDS = (
    "zymurgy",
    "quixotic",
    "pellucid",
    "sesquipedalian",
    "defenestration",
    "borborygmus",
    "callipygian",
    "floccinaucinihilipilification",
)

PHRASES = (
    "quarterly report",
    "please find attached",
    "project deadline",
    "action items",
    "budget approval",
    "server outage",
    "performance review",
    "customer feedback",
)

FIRST_NAMES = _vocab(
    """
alice bob carol david erin frank grace heidi ivan judy karl laura mallory niaj olivia peggy
quentin rupert sybil trent ursula victor walter xena yusuf zoe hans marie pierre sophie
dmitri olga yuki haruto wei mei li chen anna jose
"""
)

LAST_NAMES = _vocab(
    """
smith jones brown taylor wilson johnson martin garcia miller davis lopez clark lewis walker
hall young king wright scott green baker adams nelson hill campbell mitchell roberts carter
muller schmidt dubois moreau ivanov petrova tanaka suzuki wang zhang
"""
)

DOMAINS = _vocab(
    """
example.com example.org example.net acme.test globex.test initech.test umbrella.test
hooli.test contoso.test fabrikam.test tyrell.test wayne.test stark.test cyberdyne.test
"""
)

CHARSETS = ("utf-8", "us-ascii", "iso-8859-1", "cp1252", "koi8-r", "iso-2022-jp", "gb2312")
CHARSET_WEIGHTS = (50, 12, 9, 8, 7, 7, 7)

Kind = Literal["plain", "html", "alternative", "mixed"]
KINDS: tuple[Kind, ...] = ("plain", "html", "alternative", "mixed")

START = datetime(2014, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=365 * 10 + 2)
TIMEZONES = tuple(timezone(timedelta(hours=h)) for h in (0, 1, 2, -5, -8, 3, 8, 9))
# Bump when the output for a given seed changes (invalidates cached corpora).
CORPUS_VERSION = 2
# Used to spread dates when only a size (not a count) is known: average bytes per message.
AVERAGE_MESSAGE_BYTES = 6000


def _zipf_cum(n: int, exponent: float = 1.0) -> list[float]:
    return list(accumulate(1.0 / (rank + 1) ** exponent for rank in range(n)))


_ENGLISH_CUM = _zipf_cum(len(ENGLISH))
_LANG_WORDS: dict[str, tuple[list[str], list[float]]] = {
    "en": (ENGLISH, _ENGLISH_CUM),
    "de": (GERMAN_FRENCH, _zipf_cum(len(GERMAN_FRENCH), 0.6)),
    "ru": (RUSSIAN, _zipf_cum(len(RUSSIAN), 0.6)),
    "ja": (JAPANESE, _zipf_cum(len(JAPANESE), 0.6)),
    "zh": (CHINESE, _zipf_cum(len(CHINESE), 0.6)),
}
# Which foreign vocabulary a charset can carry (besides English).
_CHARSET_LANG = {
    "utf-8": ("de", "ru", "ja", "zh"),
    "us-ascii": (),
    "iso-8859-1": ("de",),
    "cp1252": ("de",),
    "koi8-r": ("ru",),
    "iso-2022-jp": ("ja",),
    "gb2312": ("zh",),
}


def _is_cjk(word: str) -> bool:
    return bool(word) and "\u3040" <= word[0] <= "\u9fff"


def join_words(words: list[str]) -> str:
    """Space-separated, except between two CJK words (written without spaces)."""
    out: list[str] = []
    previous_cjk = False
    for word in words:
        cjk = _is_cjk(word)
        if out and not (cjk and previous_cjk):
            out.append(" ")
        out.append(word)
        previous_cjk = cjk
    return "".join(out)


# --------------------------------------------------------------------------------------------
# Attachments written by hand (no third-party dependency, deterministic bytes)
# --------------------------------------------------------------------------------------------


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal valid PDF: one Helvetica text page per entry, Flate-compressed streams."""
    page_count = len(pages)
    objects: list[bytes] = []
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(page_count))
    font_obj = 3 + 2 * page_count
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {page_count} >>".encode())
    for i, lines in enumerate(pages):
        content = ["BT", "/F1 11 Tf", "14 TL", "56 760 Td"]
        content.extend(f"({_pdf_escape(line)}) Tj T*" for line in lines)
        content.append("ET")
        stream = zlib.compress("\n".join(content).encode("latin-1"), 6)
        objects.append(
            (
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R"
                f" /Resources << /Font << /F1 {font_obj} 0 R >> >> >>"
            ).encode()
        )
        objects.append(
            f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode()
            + stream
            + b"\nendstream"
        )
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


_DOCX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def make_docx(paragraphs: list[str]) -> bytes:
    """A minimal valid WordprocessingML document (opens in Word and python-docx)."""
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{_xml_escape(p)}</w:t></w:r></w:p>'
        for p in paragraphs
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (
            ("[Content_Types].xml", _DOCX_CONTENT_TYPES),
            ("_rels/.rels", _DOCX_RELS),
            ("word/document.xml", document),
        ):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Encoding helpers
# --------------------------------------------------------------------------------------------


def _wrap(data: bytes, width: int = 76) -> bytes:
    return b"\n".join(data[i : i + width] for i in range(0, len(data), width))


def b64_body(data: bytes) -> bytes:
    return _wrap(base64.b64encode(data))


def qp_body(data: bytes) -> bytes:
    return binascii.b2a_qp(data).replace(b"\r\n", b"\n")


def encode_header(text: str, charset: str, rng: random.Random) -> str:
    """``text`` as is when ASCII, else RFC 2047 encoded words (B or Q) in ``charset``."""
    if text.isascii():
        return text
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    use_b = charset in ("iso-2022-jp", "gb2312") or rng.random() < 0.5
    step = 8 if charset in ("iso-2022-jp", "gb2312", "utf-8") else 20
    words = []
    for i in range(0, len(text), step):
        chunk = text[i : i + step].encode(charset)
        if use_b:
            words.append(f"=?{charset}?B?{base64.b64encode(chunk).decode()}?=")
        else:
            encoded = binascii.b2a_qp(chunk, header=True).decode().replace("?", "=3F")
            words.append(f"=?{charset}?Q?{encoded}?=")
    return "\n ".join(words)


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratedMessage:
    """One message: its raw bytes and what the mbox ``From `` line needs."""

    index: int
    raw: bytes
    sender: str
    date: datetime
    kind: Kind
    charset: str


@dataclass
class CorpusStats:
    """What was written."""

    count: int = 0
    bytes: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    charsets: Counter[str] = field(default_factory=Counter)
    attachments: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {
            "count": self.count,
            "bytes": self.bytes,
            "kinds": dict(sorted(self.kinds.items())),
            "charsets": dict(sorted(self.charsets.items())),
            "attachments": dict(sorted(self.attachments.items())),
        }


@dataclass(frozen=True)
class _Sent:
    message_id: str
    references: tuple[str, ...]
    subject: str
    sender: str
    snippet: str


class CorpusGenerator:
    """Streams deterministic messages; ``expected_count`` spreads dates over ten years."""

    def __init__(self, seed: int = 42, expected_count: int = 10_000) -> None:
        self.seed = seed
        self.expected_count = max(expected_count, 1)
        people_rng = random.Random(f"people-{seed}")
        self.people = [
            (
                f"{first.title()} {last.title()}",
                f"{first}.{last}@{people_rng.choice(DOMAINS)}",
            )
            for first in FIRST_NAMES
            for last in people_rng.sample(LAST_NAMES, 12)
        ]
        self.people_cum = _zipf_cum(len(self.people), 0.7)
        self.recent: deque[_Sent] = deque(maxlen=3000)
        self.stats = CorpusStats()

    # -- text ----------------------------------------------------------------------------

    def words(self, rng: random.Random, n: int, langs: tuple[str, ...]) -> list[str]:
        out = rng.choices(ENGLISH, cum_weights=_ENGLISH_CUM, k=n)
        if langs and n:
            lang = rng.choice(langs)
            vocab, cum = _LANG_WORDS[lang]
            share = 0.7 if lang in ("ru", "ja", "zh") else 0.25
            foreign = rng.choices(vocab, cum_weights=cum, k=max(1, int(n * share)))
            for word in foreign:
                out[rng.randrange(n)] = word
        return out

    def paragraphs(self, rng: random.Random, n_words: int, langs: tuple[str, ...]) -> list[str]:
        words = self.words(rng, n_words, langs)
        if rng.random() < 0.25:
            phrase = rng.choice(PHRASES).split()
            pos = rng.randrange(len(words) + 1)
            words[pos:pos] = phrase
        if rng.random() < 0.004:
            words.insert(rng.randrange(len(words) + 1), rng.choice(RARE_WORDS))
        paragraphs = []
        i = 0
        while i < len(words):
            size = rng.randint(15, 70)
            chunk = words[i : i + size]
            i += size
            sentence = join_words(chunk)
            paragraphs.append(
                sentence[:1].upper() + sentence[1:] + ("。" if _is_cjk(chunk[-1]) else ".")
            )
        return paragraphs

    @staticmethod
    def fill(paragraphs: list[str], width: int = 72) -> str:
        lines: list[str] = []
        for paragraph in paragraphs:
            line = ""
            for word in paragraph.split(" "):
                if line and len(line) + 1 + len(word) > width:
                    lines.append(line)
                    line = word
                else:
                    line = f"{line} {word}" if line else word
            lines.append(line)
            lines.append("")
        return "\n".join(lines)

    # -- parts ---------------------------------------------------------------------------

    @staticmethod
    def text_part(rng: random.Random, text: str, subtype: str, charset: str) -> tuple[str, bytes]:
        """Headers and encoded body of one text part, the transfer encoding chosen at random."""
        data = text.encode(charset, errors="replace")
        if charset in ("us-ascii", "iso-2022-jp") or data.isascii():
            cte, body = "7bit", data
            if rng.random() < 0.15:
                cte, body = "quoted-printable", qp_body(data)
        else:
            roll = rng.random()
            if roll < 0.4:
                cte, body = "quoted-printable", qp_body(data)
            elif roll < 0.75:
                cte, body = "base64", b64_body(data)
            else:
                cte, body = "8bit", data
        headers = (
            f"Content-Type: text/{subtype}; charset={charset}\nContent-Transfer-Encoding: {cte}\n"
        )
        return headers, body

    @staticmethod
    def html(paragraphs: list[str], rng: random.Random) -> str:
        blocks = []
        for p in paragraphs:
            if rng.random() < 0.2:
                words = p.split(" ")
                k = rng.randrange(len(words))
                words[k] = f'<a href="https://www.{rng.choice(DOMAINS)}/{words[k]}">{words[k]}</a>'
                p = " ".join(words)
            blocks.append(f"<p>{p}</p>")
        if rng.random() < 0.3:
            rows = "".join(
                f"<tr><td>{rng.choice(ENGLISH)}</td><td>{rng.randint(1, 9999)}</td></tr>"
                for _ in range(rng.randint(2, 8))
            )
            blocks.append(f'<table border="1">{rows}</table>')
        return (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><style>p { margin: 0 0 1em; '
            "font-family: Arial, sans-serif; }</style></head>\n<body>\n"
            + "\n".join(blocks)
            + "\n</body></html>\n"
        )

    def attachment(self, rng: random.Random) -> tuple[str, str, bytes]:
        """(filename, content type, bytes) of a PDF, DOCX or text attachment."""
        roll = rng.random()
        name = "-".join(rng.choices(ENGLISH[60:], k=2))
        if roll < 0.5:
            pages = [
                self.fill(self.paragraphs(rng, rng.randint(150, 450), ())).splitlines()[:48]
                for _ in range(rng.randint(1, 3))
            ]
            return f"{name}.pdf", "application/pdf", make_pdf(pages)
        if roll < 0.85:
            paragraphs = self.paragraphs(rng, rng.randint(100, 1500), ())
            return (
                f"{name}.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                make_docx(paragraphs),
            )
        text = self.fill(self.paragraphs(rng, rng.randint(50, 800), ()))
        return f"{name}.txt", "text/plain", text.encode()

    # -- messages ------------------------------------------------------------------------

    def message(self, index: int) -> GeneratedMessage:
        rng = random.Random(self.seed * 1_000_003 + index)
        charset = rng.choices(CHARSETS, weights=CHARSET_WEIGHTS)[0]
        langs = _CHARSET_LANG[charset]
        kind: Kind = rng.choices(KINDS, weights=(48, 12, 28, 12))[0]

        sender_name, sender = rng.choices(self.people, cum_weights=self.people_cum)[0]
        recipients = rng.sample(self.people, rng.choices((1, 2, 3, 5), weights=(60, 25, 10, 5))[0])
        cc = rng.sample(self.people, rng.randint(1, 3)) if rng.random() < 0.2 else []

        parent = None
        if self.recent and rng.random() < 0.35:
            parent = self.recent[-1 - min(int(rng.expovariate(0.05)), len(self.recent) - 1)]
        if parent is not None:
            subject = (
                parent.subject if parent.subject.startswith("Re: ") else "Re: " + parent.subject
            )
            references = (*parent.references[-12:], parent.message_id)
        else:
            subject_words = self.words(rng, rng.randint(2, 8), langs)
            subject = join_words(subject_words).capitalize()
            if rng.random() < 0.08:
                subject = f"{rng.choice(PHRASES).capitalize()}: {subject}"
            if rng.random() < 0.1:
                subject = f"[{rng.choice(ENGLISH[100:200])}] {subject}"
            references = ()

        n_words = max(5, min(int(rng.lognormvariate(4.2, 0.9)), 6000))
        paragraphs = self.paragraphs(rng, n_words, langs)
        text = f"Hi {recipients[0][0].split()[0]},\n\n" + self.fill(paragraphs)
        if parent is not None and rng.random() < 0.7:
            quoted = "\n".join("> " + line for line in parent.snippet.splitlines())
            when = "earlier"
            text += f"\nOn {when}, {parent.sender} wrote:\n{quoted}\n"
        text += f"\n--\n{sender_name}\n{rng.choice(ENGLISH[150:260]).title()} department\n"

        fraction = (index + rng.random()) / self.expected_count
        tz = rng.choice(TIMEZONES)
        date = (START + SPAN * min(fraction, 1.0)).astimezone(tz).replace(microsecond=0)
        message_id = f"<{index}.{self.seed}.{rng.getrandbits(32):08x}@{sender.split('@')[1]}>"

        def addr(person: tuple[str, str]) -> str:
            name, email = person
            return f'"{name}" <{email}>' if rng.random() < 0.8 else email

        head = [
            f"Return-Path: <{sender}>",
            f"Received: from mx{rng.randint(1, 9)}.{sender.split('@')[1]} "
            f"(mx.{sender.split('@')[1]} [10.{rng.randint(0, 255)}.{rng.randint(0, 255)}."
            f"{rng.randint(1, 254)}])\n\tby mail.example.com with ESMTPS id "
            f"{rng.getrandbits(48):012x}; {format_datetime(date)}",
            f"From: {addr((sender_name, sender))}",
            "To: " + ",\n ".join(addr(r) for r in recipients),
        ]
        if cc:
            head.append("Cc: " + ", ".join(addr(c) for c in cc))
        head.append(f"Subject: {encode_header(subject, charset, rng)}")
        head.append(f"Date: {format_datetime(date)}")
        head.append(f"Message-ID: {message_id}")
        if parent is not None:
            head.append(f"In-Reply-To: {parent.message_id}")
            head.append("References: " + "\n ".join(references))
        head.append("MIME-Version: 1.0")
        if rng.random() < 0.5:
            head.append(f"X-Mailer: BenchMail {rng.randint(1, 9)}.{rng.randint(0, 20)}")

        boundary = f"=_bench_{rng.getrandbits(64):016x}"
        chunks: list[bytes] = []
        if kind == "plain":
            headers, body = self.text_part(rng, text, "plain", charset)
            chunks = [("\n".join(head) + "\n" + headers + "\n").encode(), body, b"\n"]
        elif kind == "html":
            headers, body = self.text_part(rng, self.html(paragraphs, rng), "html", charset)
            chunks = [("\n".join(head) + "\n" + headers + "\n").encode(), body, b"\n"]
        else:
            subtype = "alternative" if kind == "alternative" else "mixed"
            head.append(f'Content-Type: multipart/{subtype};\n boundary="{boundary}"')
            chunks.append(
                ("\n".join(head) + "\n\nThis is a multi-part message in MIME format.\n").encode()
            )
            parts: list[tuple[str, bytes]] = []
            if kind == "alternative" or rng.random() < 0.5:
                inner = f"=_alt_{rng.getrandbits(64):016x}"
                plain_h, plain_b = self.text_part(rng, text, "plain", charset)
                html_h, html_b = self.text_part(rng, self.html(paragraphs, rng), "html", charset)
                if kind == "alternative":
                    parts = [(plain_h, plain_b), (html_h, html_b)]
                else:
                    alt = (
                        f"--{inner}\n".encode()
                        + plain_h.encode()
                        + b"\n"
                        + plain_b
                        + f"\n--{inner}\n".encode()
                        + html_h.encode()
                        + b"\n"
                        + html_b
                        + f"\n--{inner}--\n".encode()
                    )
                    parts = [(f'Content-Type: multipart/alternative; boundary="{inner}"\n', alt)]
            else:
                parts = [self.text_part(rng, text, "plain", charset)]
            if kind == "mixed":
                for _ in range(rng.choices((1, 2, 3), weights=(75, 20, 5))[0]):
                    filename, ctype, data = self.attachment(rng)
                    self.stats.attachments[filename.rsplit(".", 1)[1]] += 1
                    parts.append(
                        (
                            f'Content-Type: {ctype}; name="{filename}"\n'
                            "Content-Transfer-Encoding: base64\n"
                            f'Content-Disposition: attachment; filename="{filename}"\n',
                            b64_body(data),
                        )
                    )
            for headers, body in parts:
                chunks += [f"\n--{boundary}\n{headers}\n".encode(), body]
            chunks.append(f"\n--{boundary}--\n".encode())
        raw = b"".join(chunks)

        snippet = "\n".join(self.fill(paragraphs[:1]).splitlines()[:4])
        self.recent.append(_Sent(message_id, references, subject, sender, snippet))
        self.stats.count += 1
        self.stats.bytes += len(raw)
        self.stats.kinds[kind] += 1
        self.stats.charsets[charset] += 1
        return GeneratedMessage(index, raw, sender, date, kind, charset)

    def messages(
        self, count: int | None = None, max_bytes: int | None = None
    ) -> Iterator[GeneratedMessage]:
        """Messages 0..count-1, or until ``max_bytes`` raw bytes have been produced."""
        index = 0
        produced = 0
        while (count is None or index < count) and (max_bytes is None or produced < max_bytes):
            message = self.message(index)
            produced += len(message.raw)
            yield message
            index += 1


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------

ProgressFn = Callable[[int, int], None]


def maildir_name(message: GeneratedMessage, seed: int) -> str:
    """A conventional ``time.unique.host:2,flags`` name that sorts by index."""
    return f"{int(message.date.timestamp())}.M{message.index:08d}P{seed}.bench:2,S"


def write_maildir(
    out: Path, count: int, seed: int = 42, progress: ProgressFn | None = None
) -> CorpusStats:
    """Write ``count`` messages into ``out/cur`` (``new`` and ``tmp`` created empty)."""
    for sub in ("cur", "new", "tmp"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    cur = out / "cur"
    generator = CorpusGenerator(seed, count)
    for message in generator.messages(count):
        (cur / maildir_name(message, seed)).write_bytes(message.raw)
        if progress is not None and (message.index + 1) % 10_000 == 0:
            progress(message.index + 1, generator.stats.bytes)
    return generator.stats


def _mbox_escape(raw: bytes) -> bytes:
    """mboxrd quoting: every ``>*From `` line at a line start gets one more ``>``."""
    if b"From " not in raw:
        return raw
    lines = raw.split(b"\n")
    for i, line in enumerate(lines):
        if line.lstrip(b">").startswith(b"From "):
            lines[i] = b">" + line
    return b"\n".join(lines)


def write_mbox(
    path: Path,
    count: int | None = None,
    seed: int = 42,
    max_bytes: int | None = None,
    progress: ProgressFn | None = None,
) -> CorpusStats:
    """Write an mboxrd file of ``count`` messages, or until it holds ``max_bytes`` raw bytes."""
    if count is None and max_bytes is None:
        raise ValueError("give a count or a size")
    expected = count if count is not None else max(1, (max_bytes or 0) // AVERAGE_MESSAGE_BYTES)
    generator = CorpusGenerator(seed, expected)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        for message in generator.messages(count, max_bytes):
            stamp = message.date.astimezone(UTC).strftime("%a %b %d %H:%M:%S %Y")
            handle.write(f"From {message.sender} {stamp}\n".encode())
            handle.write(_mbox_escape(message.raw))
            handle.write(b"\n" if message.raw.endswith(b"\n") else b"\n\n")
            if progress is not None and (message.index + 1) % 10_000 == 0:
                progress(message.index + 1, generator.stats.bytes)
    return generator.stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, help="number of messages (default 1000)")
    parser.add_argument("--size-mb", type=float, help="mbox only: stop at this many MB")
    parser.add_argument("--out", type=Path, required=True, help="maildir dir or mbox file")
    parser.add_argument("--format", choices=("maildir", "mbox"), default="maildir")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    started = time.perf_counter()

    def report(done: int, size: int) -> None:
        elapsed = time.perf_counter() - started
        print(
            f"  {done:,} messages, {size / 1e6:,.1f} MB, {done / elapsed:,.0f} msg/s",
            file=sys.stderr,
        )

    if args.format == "maildir":
        if args.size_mb is not None:
            parser.error("--size-mb is for --format mbox")
        stats = write_maildir(args.out, args.count or 1000, args.seed, report)
    else:
        max_bytes = int(args.size_mb * 1024 * 1024) if args.size_mb else None
        count = args.count if args.count is not None or max_bytes else 1000
        stats = write_mbox(args.out, count, args.seed, max_bytes, report)
    elapsed = time.perf_counter() - started
    print(
        f"wrote {stats.count:,} messages, {stats.bytes / 1e6:,.1f} MB in {elapsed:.1f} s "
        f"to {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
