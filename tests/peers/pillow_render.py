#!/usr/bin/env python3
"""Benchmark peer: what a user would write instead of Pinghu's renderer, with Pillow.

Wraps UTF-8 text character by character to the board width, cuts the lines into pages, draws
each page into a 1-bit Pillow image with a CJK bitmap font (WenQuanYi from Debian's xfonts-wqy
for 12 and 16 px, WenQuanYi Zen Hei without antialiasing otherwise) and packs it into bytes,
one bit per pixel, rows padded to bytes, most significant bit first: the BX-5E mono page format.

Two methods, both timed in the same run:
* `draw`: `ImageDraw.text` for each line, as the Pillow documentation shows it;
* `cached`: what a user who profiled would write: each character is drawn once into a 1-bit cell
  image and its advance remembered; lines are measured by summing advances and pages are built by
  pasting the cached cells.

The last line printed is the faster method's `method=M pages_per_s=X glyphs_per_s=Y`; the Rust
bench parses it.
"""
import argparse
import os
import sys
import time

from PIL import Image, ImageDraw, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "..", "fonts", "tests", "data", "notices.txt")
BITMAP = {12: "wenquanyi_9pt.pcf", 16: "wenquanyi_12pt.pcf"}
OUTLINE = "wqy-zenhei.ttc"


def locate(name):
    for root in ("/usr/share/fonts", "/usr/local/share/fonts"):
        for folder, _, files in os.walk(root):
            if name in files:
                return os.path.join(folder, name)
    sys.exit(f"font {name} not found: run tests/peers/setup.sh")


def load_font(size):
    if size in BITMAP:
        return ImageFont.truetype(locate(BITMAP[size]), size)
    return ImageFont.truetype(locate(OUTLINE), size)


def wrap(paragraph, font, width):
    lines, line = [], ""
    for ch in paragraph:
        if font.getlength(line + ch) > width and line:
            lines.append(line)
            line = ch
        else:
            line += ch
    if line:
        lines.append(line)
    return lines


class GlyphCache:
    """Each character drawn once into a 1-bit cell, with its advance."""

    def __init__(self, font, size):
        self.font, self.size, self.cells = font, size, {}

    def get(self, ch):
        cell = self.cells.get(ch)
        if cell is None:
            adv = max(1, round(self.font.getlength(ch)))
            img = Image.new("1", (adv, self.size), 0)
            d = ImageDraw.Draw(img)
            d.fontmode = "1"
            d.text((0, 0), ch, fill=1, font=self.font)
            cell = self.cells[ch] = (adv, img)
        return cell


def wrap_cached(paragraph, cache, width):
    lines, line, w = [], [], 0
    for ch in paragraph:
        adv, _ = cache.get(ch)
        if w + adv > width and line:
            lines.append(line)
            line, w = [], 0
        line.append(ch)
        w += adv
    if line:
        lines.append(line)
    return lines


def one_pass_cached(paragraphs, cache, width, height, size):
    per_page = max(1, height // size)
    pages = glyphs = 0
    packed = 0
    get = cache.get
    lines = [l for p in paragraphs for l in wrap_cached(p, cache, width)]
    for start in range(0, len(lines), per_page):
        img = Image.new("1", (width, height), 0)
        paste = img.paste
        for row, text in enumerate(lines[start:start + per_page]):
            x, y = 0, row * size
            for ch in text:
                adv, cell = get(ch)
                paste(cell, (x, y))
                x += adv
            glyphs += len(text)
        packed += len(img.tobytes())
        pages += 1
    return pages, glyphs, packed


def one_pass(paragraphs, font, width, height, size):
    per_page = max(1, height // size)
    pages = glyphs = 0
    packed = 0
    lines = [l for p in paragraphs for l in wrap(p, font, width)]
    for start in range(0, len(lines), per_page):
        img = Image.new("1", (width, height), 0)
        draw = ImageDraw.Draw(img)
        draw.fontmode = "1"
        for row, text in enumerate(lines[start:start + per_page]):
            draw.text((0, row * size), text, fill=1, font=font)
            glyphs += len(text)
        packed += len(img.tobytes())
        pages += 1
    return pages, glyphs, packed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--width", type=int, default=192)
    ap.add_argument("--height", type=int, default=32)
    ap.add_argument("--font-size", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5,
                    help="time this many rounds of --repeat passes and keep the fastest")
    ap.add_argument("--method", choices=["draw", "cached", "both"], default="both")
    ap.add_argument("--text", default=CORPUS, help="UTF-8 text file (default: the repository's notice corpus)")
    a = ap.parse_args()
    with open(a.text, encoding="utf-8") as f:
        paragraphs = [l.strip() for l in f if l.strip()]
    font = load_font(a.font_size)
    cache = GlyphCache(font, a.font_size)
    methods = {
        "draw": lambda: one_pass(paragraphs, font, a.width, a.height, a.font_size),
        "cached": lambda: one_pass_cached(paragraphs, cache, a.width, a.height, a.font_size),
    }
    chosen = list(methods) if a.method == "both" else [a.method]
    best = None
    for name in chosen:
        run = methods[name]
        run()  # warm up (and fill the glyph cache)
        # The fastest of the rounds (each does the same work), as the Rust side measures itself.
        dt = float("inf")
        for _ in range(max(1, a.rounds)):
            t0 = time.perf_counter()
            pages = glyphs = 0
            for _ in range(a.repeat):
                p, g, _ = run()
                pages += p
                glyphs += g
            dt = min(dt, time.perf_counter() - t0)
        print(f"pillow {Image.__version__ if hasattr(Image, '__version__') else ''} method={name}: "
              f"board {a.width}x{a.height} font {a.font_size}px repeat={a.repeat} pages={pages} "
              f"glyphs={glyphs} elapsed_s={dt:.3f} (fastest of {a.rounds} rounds) "
              f"pages_per_s={pages / dt:.1f} glyphs_per_s={glyphs / dt:.1f}")
        if best is None or glyphs / dt > best[2]:
            best = (name, pages / dt, glyphs / dt)
    print(f"method={best[0]} pages_per_s={best[1]:.1f} glyphs_per_s={best[2]:.1f}")


if __name__ == "__main__":
    main()
