"""The Unicode font return labels print names and addresses in, embedded in the PDF.

PDF's built-in Helvetica shows Windows-1252 only, so ``Łódź``, ``Θεσσαλονίκη`` and ``гр.
София`` would have to be transliterated, and a Bulgarian post office would read a Latin
address. Labels embed Noto Sans instead (SIL Open Font License 1.1; it comes from PyPI as
``fontpkg-noto-sans``, docs/returns.md), subset to the glyphs one label prints. Noto Sans
is a variable font: the subset keeps its default instance (Regular, normal width), which is
what its outlines hold without the variation tables a PDF reader ignores anyway.

A character the font lacks (Georgian, say) is transliterated (anyascii) rather than lost.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from anyascii import anyascii

if TYPE_CHECKING:
    from fontTools import subset
    from fontTools.ttLib import TTFont

# fontTools and fontpkg are imported when the font is first needed, not with the portal:
# fontTools.subset alone takes half a second to import, which every process (the worker,
# each CLI command) would pay at start for a page none of them serve. The web app has
# them prepared in a thread once it has started (:func:`prepare_in_background`).

log = logging.getLogger(__name__)

FAMILY = "Noto Sans"
#: The start-up thread's name (:func:`prepare_in_background`).
THREAD_NAME = "label-font"
#: What a PDF reader does not use: variations (the outlines are the default instance),
#: OpenType layout (Latin, Greek and Cyrillic need no shaping), hinting's grid table.
_UNUSED_TABLES = ("fvar", "gvar", "avar", "cvar", "HVAR", "MVAR", "STAT", "GSUB", "GPOS",
                  "GDEF", "gasp")  # fmt: skip


def _options() -> subset.Options:
    from fontTools import subset

    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.glyph_names = False
    options.notdef_outline = True
    options.drop_tables += list(_UNUSED_TABLES)
    return options


def _subset(font: TTFont, text: str) -> bytes:
    from fontTools import subset

    subsetter = subset.Subsetter(_options())
    subsetter.populate(text=text)
    subsetter.subset(font)
    # The same label, the same bytes: saving would stamp the font's ``head.modified`` with
    # the moment (the subsetter's own option only applies to its load_font/save_font).
    font.recalcTimestamp = False
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _file() -> bytes:
    """The font as the package installed it (about 2 MB)."""
    import fontpkg

    return bytes(fontpkg.path(FAMILY).read_bytes())


#: Held while the whole font is made: a label asked for while the start-up thread makes it
#: waits for that thread's result instead of making a second copy beside it.
_making = threading.Lock()
_whole: bytes | None = None


def _whole_font() -> bytes:
    """Every glyph, without what a PDF does not use: made once a process (about 0.7 s of
    CPU), a label's subset then takes some 20 ms from it instead of 150 from the file."""
    global _whole
    with _making:
        if _whole is None:
            from fontTools.ttLib import TTFont

            font = TTFont(io.BytesIO(_file()))
            _whole = _subset(font, "".join(map(chr, font.getBestCmap())))
        return _whole


def prepare_in_background() -> None:
    """Make in a daemon thread what every label uses and the first one would otherwise
    make (about a second of CPU: fontTools' import, the font's coverage, the whole font).
    The web app calls this when it starts, so that the first customer to download a label
    does not wait a second for it, and the app answers meanwhile (the thread takes the
    interpreter's lock only in its turns). A label asked for before it is done waits for
    it (:data:`_making`); later labels only subset (some 20 ms each)."""

    def prepare() -> None:
        try:
            coverage()
            _whole_font()
        except Exception:  # the first label tries again, and says what is wrong
            log.exception("the return labels' font could not be prepared")

    threading.Thread(target=prepare, name=THREAD_NAME, daemon=True).start()


@cache
def coverage() -> frozenset[int]:
    """The code points the font draws."""
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(io.BytesIO(_file()), lazy=True).getBestCmap())


def printable(text: str) -> str:
    """``text`` as a label prints it: composed (NFC), any white space a space, and a
    character the font lacks transliterated, or ``?`` when even that cannot be drawn."""
    have = coverage()
    out = []
    for char in unicodedata.normalize("NFC", text):
        if char.isspace():
            out.append(" ")
        elif ord(char) in have:
            out.append(char)
        else:
            latin = anyascii(char)
            out.append(latin if latin and all(ord(c) in have for c in latin) else "?")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class EmbeddedFont:
    """A subset of the font as a PDF Type 0 font (Identity-H: a glyph id a character)."""

    program: bytes
    glyphs: dict[str, int]
    #: advance widths by glyph id, in thousandths of the em
    widths: dict[int, int]
    base_name: str
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int

    def show(self, text: str) -> str:
        """``text`` (already :func:`printable`) as a PDF hex string of glyph ids."""
        return "<" + "".join(f"{self.glyphs[char]:04X}" for char in text) + ">"

    def objects(self, first: int) -> list[bytes]:
        """The five PDF objects, numbered from ``first``: the Type 0 font (the one a page's
        resources name), its CIDFontType2, descriptor, font program and ToUnicode map
        (which lets readers copy, search and extract the text)."""
        cid, descriptor, program, to_unicode = first + 1, first + 2, first + 3, first + 4
        widths = " ".join(f"{gid} [{width}]" for gid, width in sorted(self.widths.items()))
        packed = zlib.compress(self.program, 9)
        cmap = self._to_unicode()
        return [
            (f"<< /Type /Font /Subtype /Type0 /BaseFont /{self.base_name} /Encoding /Identity-H "
             f"/DescendantFonts [{cid} 0 R] /ToUnicode {to_unicode} 0 R >>").encode(),
            (f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{self.base_name} "
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
             f"/FontDescriptor {descriptor} 0 R /CIDToGIDMap /Identity /DW 1000 "
             f"/W [{widths}] >>").encode(),
            (f"<< /Type /FontDescriptor /FontName /{self.base_name} /Flags 32 "
             f"/FontBBox [{' '.join(map(str, self.bbox))}] /ItalicAngle 0 "
             f"/Ascent {self.ascent} /Descent {self.descent} /CapHeight {self.cap_height} "
             f"/StemV 80 /FontFile2 {program} 0 R >>").encode(),
            b"<< /Length %d /Length1 %d /Filter /FlateDecode >>\nstream\n"
            % (len(packed), len(self.program)) + packed + b"\nendstream",
            b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
        ]  # fmt: skip

    def _to_unicode(self) -> bytes:
        pairs = sorted((gid, char) for char, gid in self.glyphs.items())
        chunks = [pairs[i : i + 100] for i in range(0, len(pairs), 100)]  # 100 a block at most
        blocks = "".join(
            f"{len(chunk)} beginbfchar\n"
            + "".join(f"<{gid:04X}> <{char.encode('utf-16-be').hex().upper()}>\n"
                      for gid, char in chunk)
            + "endbfchar\n"
            for chunk in chunks
        )  # fmt: skip
        return (
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            f"{blocks}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
        ).encode()


def embed(texts: Iterable[str]) -> EmbeddedFont:
    """The font subset to the characters of ``texts`` (each already :func:`printable`)."""
    from fontTools.ttLib import TTFont

    chars = "".join(sorted(set("".join(texts)) | {" "}))
    program = _subset(TTFont(io.BytesIO(_whole_font()), lazy=True), chars)
    font = TTFont(io.BytesIO(program))
    cmap = font.getBestCmap()
    order = font.getGlyphOrder()
    ids = {name: gid for gid, name in enumerate(order)}
    glyphs = {char: ids[cmap[ord(char)]] for char in chars if ord(char) in cmap}
    scale = 1000 / font["head"].unitsPerEm

    def em(value: float) -> int:
        return round(value * scale)

    widths = {gid: em(font["hmtx"][order[gid]][0]) for gid in set(glyphs.values())}
    head, hhea = font["head"], font["hhea"]
    # A subset prefix (six capitals) names this very subset, as PDF 32000-1 9.6.4 asks.
    digest = hashlib.sha256(program).digest()
    tag = "".join(chr(ord("A") + byte % 26) for byte in digest[:6])
    name = str(font["name"].getDebugName(6) or "NotoSans-Regular")
    return EmbeddedFont(
        program=program,
        glyphs=glyphs,
        widths=widths,
        base_name=f"{tag}+{name}",
        bbox=(em(head.xMin), em(head.yMin), em(head.xMax), em(head.yMax)),
        ascent=em(hhea.ascent),
        descent=em(hhea.descent),
        cap_height=em(getattr(font["OS/2"], "sCapHeight", hhea.ascent)),
    )
