#!/usr/bin/env python3
"""Generate Pinghu's compiled-in bitmap fonts (fonts/data/*.phf) from Noto Sans CJK SC.

There is no free simplified-Chinese bitmap font at 24/32 px, and the free 12/16 px ones are GPL-2 only,
so every size is rasterised here, once, from the OFL-1.1 outline font Noto Sans CJK SC (Debian package
fonts-noto-cjk), with the weight and threshold chosen per size and checked by eye on LED-style previews:

  12 px  Regular, FreeType's hinted monochrome rasteriser (crisper than any threshold at this size)
  16 px  Regular, FreeType's hinted monochrome rasteriser
  24 px  Regular, anti-aliased, lit where coverage >= 96/255 (keeps thin strokes unbroken)
  32 px  Bold,    anti-aliased, lit where coverage >= 128/255 (2-px strokes read well on LEDs)

Glyph set: ASCII, Latin-1 symbols, general and CJK punctuation, full-width forms, all of GB2312
(6763 hanzi + 682 symbols), the whole CJK Unified Ideographs block (U+4E00-9FFF) that the font covers,
and, at 12 and 16 px, CJK Extension A. Characters the font does not have are left out (the renderer
reports them as missing).

Usage (needs Pillow with FreeType, and fonts-noto-cjk):
    python3 -m venv /tmp/fontgen && /tmp/fontgen/bin/pip install pillow
    apt-get install fonts-noto-cjk
    /tmp/fontgen/bin/python fonts/generator/make_fonts.py

File format (little-endian), read by fonts/src/font.rs:
    magic "PHF1" | size u8 | baseline u8 | reserved u16 | count u32
    count x { codepoint u32 | offset u32 | width u8 | reserved u8 u8 u8 }   sorted by codepoint
    bitmaps: each glyph `size` rows of ceil(width/8) bytes, MSB = leftmost pixel
"""
import hashlib
import os
import struct
import sys
import unicodedata

from PIL import Image, ImageDraw, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data")
REGULAR = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
SC_INDEX = 2  # faces in the collection: JP, KR, SC, TC, HK

# size -> (face file, threshold or None for hinted monochrome, include Ext-A)
SIZES = {
    12: (REGULAR, None, True),
    16: (REGULAR, None, True),
    24: (REGULAR, 96, False),
    32: (BOLD, 128, False),
}

RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 symbols (·, ×, ÷, °)
    (0x2010, 0x205E),  # general punctuation (— ‘ ’ “ ” … ‰)
    (0x2100, 0x2153),  # letterlike (℃ №)
    (0x2160, 0x217F),  # Roman numerals
    (0x2190, 0x2199),  # arrows
    (0x2460, 0x24FF),  # enclosed alphanumerics (①)
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes
    (0x2605, 0x2606),  # stars
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3220, 0x3243),  # parenthesised ideographs
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xFE10, 0xFE19),  # vertical forms
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF01, 0xFF5E),  # full-width ASCII
    (0xFFE0, 0xFFE6),  # full-width signs (￥)
]
EXT_A = (0x3400, 0x4DBF)


def gb2312_chars():
    out = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return out


def wanted(ext_a):
    cps = set()
    for a, b in RANGES + ([EXT_A] if ext_a else []):
        cps.update(range(a, b + 1))
    cps.update(ord(c) for c in gb2312_chars())
    # No controls, format characters or separators: they have no ink and no place on a board.
    return sorted(c for c in cps if unicodedata.category(chr(c)) not in ("Cc", "Cf", "Zl", "Zp", "Cn", "Co", "Cs"))


def render_glyph(font, ch, size, threshold, top, width):
    mode = "1" if threshold is None else "L"
    im = Image.new(mode, (width, size), 0)
    d = ImageDraw.Draw(im)
    d.fontmode = "1" if threshold is None else "L"
    d.text((0, -top), ch, font=font, fill=1 if threshold is None else 255)
    if threshold is not None:
        im = im.point(lambda v: 255 if v >= threshold else 0).convert("1")
    return im


def pack(im):
    w, h = im.size
    stride = (w + 7) // 8
    px = im.load()
    data = bytearray()
    for y in range(h):
        row = bytearray(stride)
        for x in range(w):
            if px[x, y]:
                row[x // 8] |= 0x80 >> (x % 8)
        data += row
    return bytes(data)


def build(size, face, threshold, ext_a):
    font = ImageFont.truetype(face, size, index=SC_INDEX, layout_engine=ImageFont.Layout.BASIC)
    ascent, _ = font.getmetrics()
    # Place the ideographic em box (0.88 em above the baseline, 0.12 below) exactly in the cell.
    top = ascent - round(0.88 * size)
    baseline = round(0.88 * size)
    notdef = pack(render_glyph(font, "\ue000", size, threshold, top, size))
    glyphs = []
    for cp in wanted(ext_a):
        ch = chr(cp)
        if cp >= 0x2E80 or 0x3000 <= cp <= 0x303F or 0xFF01 <= cp <= 0xFFE6:
            width = size  # full width
        else:
            width = max(1, round(font.getlength(ch)))
        bits = pack(render_glyph(font, ch, size, threshold, top, width))
        if width == size and bits == notdef and cp != 0x3000:
            continue  # the font has no glyph: leave it out, the renderer reports it
        if cp == 0x3000:
            bits = bytes(len(bits))  # ideographic space
        glyphs.append((cp, width, bits))
    index = bytearray()
    blob = bytearray()
    for cp, width, bits in glyphs:
        index += struct.pack("<IIB3x", cp, len(blob), width)
        blob += bits
    header = b"PHF1" + struct.pack("<BBHI", size, baseline, 0, len(glyphs))
    return header + bytes(index) + bytes(blob), len(glyphs)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    os.makedirs(OUT, exist_ok=True)
    manifest = [
        "# Generated by fonts/generator/make_fonts.py: do not edit. CI checks generator_sha256 against the",
        "# generator, so changing the generator without regenerating the data fails the build.",
        f'generator_sha256 = "{sha256(os.path.abspath(__file__))}"',
        f'source_regular = "{os.path.basename(REGULAR)}"',
        f'source_regular_sha256 = "{sha256(REGULAR)}"',
        f'source_bold = "{os.path.basename(BOLD)}"',
        f'source_bold_sha256 = "{sha256(BOLD)}"',
        "",
    ]
    for size, (face, threshold, ext_a) in SIZES.items():
        data, n = build(size, face, threshold, ext_a)
        name = f"noto-sc-{size}.phf"
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        manifest += [
            f"[font.{size}]",
            f'file = "{name}"',
            f'face = "{os.path.basename(face)}"',
            f"threshold = {threshold if threshold is not None else 0}  # 0 = FreeType hinted monochrome",
            f"glyphs = {n}",
            f'sha256 = "{hashlib.sha256(data).hexdigest()}"',
            "",
        ]
        print(f"{name}: {n} glyphs, {len(data)} bytes", file=sys.stderr)
    with open(os.path.join(OUT, "MANIFEST.toml"), "w") as f:
        f.write("\n".join(manifest))


if __name__ == "__main__":
    main()
