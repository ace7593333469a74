"""The encoding of a CSV file that is not UTF-8 (`reading.open_table` asks).

charset-normalizer looks at a sample of the file's lines that hold characters beyond ASCII
(`_non_ascii`, `detect`). The file is read as Windows-1252, which is what Excel's plain "CSV
(Comma delimited)" writes on a UK PC, only when that reads it as well as the encoding
detected; a file that looks like another encoding (Central European, Mac Roman, Japanese…),
or whose encoding cannot be told, is refused with what was detected, never garbled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from indicators.importing.file_errors import SAVE_AS, FileRejected

if TYPE_CHECKING:
    from charset_normalizer.models import CharsetMatch

#: How much of a file is hashed and checked at a time.
CHUNK_SIZE = 256 * 1024

#: The encodings charset-normalizer chooses among, each with its name in plain words: those
#: a spreadsheet is saved in, in practice. (Left to itself it also offers old DOS and
#: Nordic code pages, and picks them for short English text.)
ENCODING_NAMES = {
    "cp1252": "Western European (Windows-1252)",
    "latin_1": "Western European (ISO-8859-1)",
    "iso8859_15": "Western European (ISO-8859-15)",
    "mac_roman": "Western European for a Mac (Mac Roman)",
    "cp1250": "Central European (Windows-1250)",
    "iso8859_2": "Central European (ISO-8859-2)",
    "cp1251": "Cyrillic (Windows-1251)",
    "koi8_r": "Cyrillic (KOI8-R)",
    "cp1253": "Greek (Windows-1253)",
    "cp1254": "Turkish (Windows-1254)",
    "cp1255": "Hebrew (Windows-1255)",
    "cp1256": "Arabic (Windows-1256)",
    "cp850": "DOS Western European (code page 850)",
    "shift_jis": "Japanese (Shift JIS)",
    "cp932": "Japanese (Shift JIS)",
    "euc_jp": "Japanese (EUC-JP)",
    "gb18030": "Chinese (GB18030)",
    "big5": "Traditional Chinese (Big5)",
    "euc_kr": "Korean (EUC-KR)",
    "cp949": "Korean (EUC-KR)",
}
#: The lines with characters beyond ASCII that detection looks at: at most this many bytes,
#: each line cut to `SAMPLE_LINE_BYTES`. Detection then takes milliseconds, whatever the size
#: of the file.
SAMPLE_BYTES = 32 * 1024
SAMPLE_LINE_BYTES = 2 * 1024
#: How much more garbled (charset-normalizer's "chaos", 0 to 1) the Windows-1252 reading may
#: be than the detected encoding's and still be preferred: on a few accented names the
#: detector's first guess is often a near-tie, and Windows-1252 is what Excel writes here.
CHAOS_MARGIN = 0.1
#: The share of the characters beyond ASCII, read as Windows-1252, that look like another
#: encoding misread (`_misread`) above which Windows-1252 is not preferred.
MISREAD_SHARE = 0.15

_ASCII = bytes(range(128))
_BEYOND_ASCII = re.compile(rb"[\x80-\xff]")
#: The five bytes that are no character in Windows-1252.
_NOT_CP1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
#: In Windows-1252, the letters and marks of its 0x80-0x9F row that English text hardly uses,
#: and the yen sign, which is a Mac's bullet misread.
_ODD_IN_CP1252 = frozenset("ŠšŒœŽžŸƒˆ˜‹›‰†‡¥")
#: Symbols that stand for letters of Central European text misread (“Wroc³aw”, “Pøíli¹”): odd
#: next to a letter, except ² and ³ after one (“m²”).
_LETTER_LIKE = frozenset("¹²³¾¼½±¶¿»«¦¬¨´¸¤")
#: What may stand between two letters in English text (“council’s”, “well–known”, a
#: non-breaking space, a soft hyphen).
_WORD_PUNCTUATION = frozenset("’‘–—·•…\xa0\xad")


@dataclass
class _NonAscii:
    """What a second read of a file that is not UTF-8 finds: each distinct byte beyond ASCII,
    the position of the first byte that is no character in Windows-1252, and a sample of the
    lines holding bytes beyond ASCII."""

    bytes_seen: set[int] = field(default_factory=set)
    not_cp1252_at: int | None = None
    sample: bytearray = field(default_factory=bytearray)


def _non_ascii(path: Path) -> _NonAscii:
    found = _NonAscii()
    offset = 0
    carry = b""  # the start of a line that goes on into the next chunk
    seen = _ASCII
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            beyond = chunk.translate(None, _ASCII)
            if beyond:
                if unseen := beyond.translate(None, seen):  # quicker than a set of all
                    found.bytes_seen.update(unseen)
                    seen = _ASCII + bytes(sorted(found.bytes_seen))
                if found.not_cp1252_at is None and (bad := _NOT_CP1252.search(chunk)):
                    found.not_cp1252_at = offset + bad.start()
            offset += len(chunk)
            if len(found.sample) >= SAMPLE_BYTES:
                continue
            if not beyond and not carry:
                continue
            data = carry + chunk
            end = data.rfind(b"\n") + 1
            carry = data[end:][-SAMPLE_LINE_BYTES:] if end else data[-SAMPLE_LINE_BYTES:]
            _sample_lines(data[:end], found.sample)
    _sample_lines(carry, found.sample)
    return found


def _sample_lines(data: bytes, sample: bytearray) -> None:
    """Add the lines of ``data`` that hold a byte beyond ASCII to ``sample``, while it has room.
    A long line is cut after a comma or space, never inside a character of any encoding."""
    position = 0
    while len(sample) < SAMPLE_BYTES and (beyond := _BEYOND_ASCII.search(data, position)):
        start = data.rfind(b"\n", 0, beyond.start()) + 1
        end = data.find(b"\n", beyond.end())
        end = len(data) if end < 0 else end + 1
        line = data[start:end]
        if len(line) > SAMPLE_LINE_BYTES:
            start = max(beyond.start() - SAMPLE_LINE_BYTES // 2, start)
            line = data[start : start + SAMPLE_LINE_BYTES]
            cut = max(line.rfind(b","), line.rfind(b" "))
            line = line[: cut + 1] + b"\n" if cut > 0 else b""
        sample.extend(line)
        position = end


def detect(path: Path, name: str) -> str:
    """The encoding of a file that is not UTF-8 (nor UTF-8 mixed with another encoding):
    "cp1252" when Windows-1252 reads it as well as the encoding charset-normalizer detects,
    otherwise `FileRejected`, naming what was detected."""
    from charset_normalizer.utils import is_multi_byte_encoding

    found = _non_ascii(path)
    sample = bytes(found.sample)
    matches = _matches(sample)
    if not matches:
        where = ""
        if found.not_cp1252_at is not None:
            byte = _byte_at(path, found.not_cp1252_at)
            where = (
                f" (byte 0x{byte:02X} at position {found.not_cp1252_at:,} is not a character "
                f"in either)"
            )
        raise FileRejected(
            f"The text of “{name}” cannot be read: it is neither UTF-8 nor Windows-1252, and "
            f"its encoding cannot be detected{where}. {SAVE_AS}"
        )
    best = matches[0]
    cp1252_text = None
    if found.not_cp1252_at is None:
        cp1252_text = sample.decode("cp1252")
        if is_multi_byte_encoding(best.encoding):
            same = str(best) == cp1252_text
        else:
            beyond = bytes(sorted(found.bytes_seen))
            same = beyond.decode(best.encoding, errors="replace") == beyond.decode("cp1252")
        cp1252_chaos = min(
            (match.chaos for match in matches if str(match) == cp1252_text), default=1.0
        )
        if not _misread(cp1252_text) and (same or cp1252_chaos <= best.chaos + CHAOS_MARGIN):
            return "cp1252"
    # Name the cleanest readings other than Windows-1252's (which was found wanting).
    others = [match for match in matches if str(match) != cp1252_text] or matches
    cleanest = [match for match in others if match.chaos <= others[0].chaos + 0.01]
    guesses = [e for match in cleanest for e in (match.encoding, *match.could_be_from_charset)]
    plain = list(dict.fromkeys(ENCODING_NAMES[e] for e in guesses if e in ENCODING_NAMES))
    raise FileRejected(
        f"The text of “{name}” is neither UTF-8 nor Windows-1252: it looks like "
        f"{' or '.join(plain[:2]) or best.encoding} text, and reading it here would garble "
        f"its names. {SAVE_AS}"
    )


def refuse_east_asian(path: Path, name: str) -> None:
    """For a file that seems to mix UTF-8 with another encoding: when none of its lines is
    UTF-8 and it reads as one multi-byte encoding (Shift JIS, GB18030, Big5, EUC-KR), whose
    pairs of bytes now and then look like UTF-8 by chance, refuse it naming that encoding."""
    from charset_normalizer.utils import is_multi_byte_encoding

    sample = bytes(_non_ascii(path).sample)
    for line in sample.splitlines():
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        return  # a line of UTF-8: the file does mix two encodings
    matches = _matches(sample)
    if matches and is_multi_byte_encoding(matches[0].encoding):
        names = [ENCODING_NAMES.get(matches[0].encoding, matches[0].encoding)]
        names += [
            ENCODING_NAMES[e] for e in matches[0].could_be_from_charset if e in ENCODING_NAMES
        ]
        raise FileRejected(
            f"The text of “{name}” is neither UTF-8 nor Windows-1252: it looks like "
            f"{' or '.join(list(dict.fromkeys(names))[:2])} text, and reading it here would "
            f"garble its names. {SAVE_AS}"
        )


def _matches(sample: bytes) -> list[CharsetMatch]:
    """charset-normalizer's readings of ``sample``, the cleanest first."""
    from charset_normalizer import from_bytes

    if not sample:
        return []
    return list(from_bytes(sample, cp_isolation=list(ENCODING_NAMES)))


def _misread(text: str) -> bool:
    """Whether ``text`` (a sample read as Windows-1252) looks like another encoding misread:
    many of its characters beyond ASCII are letters English text hardly uses (“CafŽ”),
    capitals straight after a small letter (“councilÕs”), or symbols inside a word (“Za¿ó³æ”,
    Polish read wrongly)."""
    beyond = odd = 0
    for index, character in enumerate(text):
        if character < "\x80":
            continue
        beyond += 1
        before = text[index - 1] if index else " "
        after = text[index + 1 : index + 2] or " "
        if (
            character in _ODD_IN_CP1252
            # A capital straight after a small letter, or standing alone (“2012 Ð 2013”).
            or (character.isupper() and before.isalpha() and before.islower())
            or (character.isupper() and not before.isalpha() and not after.isalpha())
            or (
                character in _LETTER_LIKE
                and (before.isalpha() or after.isalpha())
                and not (character in "²³" and not after.isalpha())
            )
            or (
                not character.isalpha()
                and character not in _WORD_PUNCTUATION
                and before.isalpha()
                and after.isalpha()
            )
        ):
            odd += 1
    return beyond > 0 and odd / beyond > MISREAD_SHARE


def _byte_at(path: Path, position: int) -> int:
    with path.open("rb") as handle:
        handle.seek(position)
        return handle.read(1)[0]
