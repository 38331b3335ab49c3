"""Link preview cards: the 1200×630 PNG that LinkedIn, WhatsApp, Teams, Telegram and X show
under a shared job or news page that has no image of its own.

`draw(card)` is pure (Pillow, fonts bundled in `app/web/fonts`, so a server without
system fonts draws the same card). `CardCache` keeps each card drawn once, on disk under
`DATA_DIR/previews/`, named after a hash of everything drawn on it: a changed title or
company name is a new file (and a new image URL for the crawlers, which cache by URL), a
restart or another replica sharing the data directory reuses the file, and the previous
version of the same content is deleted when its successor is written.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import os
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 1200, 630  # what Open Graph consumers crop to 1.91:1 without loss
MARGIN = 80
TEXT_WIDTH = WIDTH - 2 * MARGIN
DESIGN = "2"  # bump when the drawing changes, so every cached card is redrawn
FONTS = Path(__file__).parent / "fonts"
BACKGROUND = (29, 36, 51)  # the public pages' header colour
ACCENT = (11, 87, 208)  # their button colour: white on it is 6.3:1
WHITE = (255, 255, 255)
SOFT = (201, 209, 227)  # 10:1 on the background
TITLE_SIZES = (72, 64, 56, 50)  # the largest that fits in TITLE_LINES wins
TITLE_LINES = 3
BODY_TOP, BODY_BOTTOM = 215, 545  # the band between the kicker and the footer
DETAILS_STEP = 46


@dataclass(frozen=True)
class Card:
    """What a card says, already in the content's language."""

    kind: str  # "job" or "news": part of the file name
    content_id: int
    company: str
    kicker: str  # "We're hiring", "Actualités"...
    title: str
    details: str  # "Engineering · Paris · Hybrid"; may be empty
    footer: str  # the site's host

    @property
    def version(self) -> str:
        """A hash of everything drawn: the cache key and the image URL's `v`."""
        text = "\x1f".join(
            (DESIGN, self.company, self.kicker, self.title, self.details, self.footer)
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@cache
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONTS / name), size)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap by rendered width; a word wider than a line is cut where it must."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while font.getlength(word) > width:
            cut = max(1, _fitting_prefix(word, font, width))
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _fitting_prefix(word: str, font: ImageFont.FreeTypeFont, width: int) -> int:
    end = len(word)
    while end > 1 and font.getlength(word[:end]) > width:
        end -= 1
    return end


def clip(lines: list[str], count: int, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """At most `count` lines; if text was left out, the last one ends with an ellipsis."""
    if len(lines) <= count:
        return lines
    last = lines[count - 1]
    while last and font.getlength(last + "…") > width:
        last = last[:-1]
    return [*lines[: count - 1], last.rstrip() + "…"]


def _title_lines(title: str) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    for size in TITLE_SIZES:
        font = _font(True, size)
        lines = wrap(title, font, TEXT_WIDTH)
        if len(lines) <= TITLE_LINES:
            return font, lines
    return font, clip(lines, TITLE_LINES, font, TEXT_WIDTH)


def draw(card: Card) -> bytes:
    """The card as a PNG of WIDTH×HEIGHT."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, 0, 16, HEIGHT), fill=ACCENT)

    company_font = _font(True, 38)
    company = clip(wrap(card.company, company_font, TEXT_WIDTH), 1, company_font, TEXT_WIDTH)
    pen.text((MARGIN, 64), company[0] if company else "", font=company_font, fill=WHITE)

    kicker_font = _font(True, 28)
    box = pen.textbbox((MARGIN + 20, 150), card.kicker, font=kicker_font)
    pen.rounded_rectangle((MARGIN, 140, box[2] + 20, box[3] + 12), radius=24, fill=ACCENT)
    pen.text((MARGIN + 20, 150), card.kicker, font=kicker_font, fill=WHITE)

    title_font, title = _title_lines(card.title)
    title_step = int(title_font.size * 1.2)
    details_font = _font(False, 34)
    room = 2 if len(title) < TITLE_LINES else 1  # above the footer
    details = clip(wrap(card.details, details_font, TEXT_WIDTH), room, details_font, TEXT_WIDTH)
    height = len(title) * title_step + (16 + len(details) * DETAILS_STEP if details else 0)
    y = BODY_TOP + max(0, (BODY_BOTTOM - BODY_TOP - height) // 2)  # centred in its band
    for line in title:
        pen.text((MARGIN, y), line, font=title_font, fill=WHITE)
        y += title_step
    y += 16
    for line in details:
        pen.text((MARGIN, y), line, font=details_font, fill=SOFT)
        y += DETAILS_STEP

    footer_font = _font(False, 26)
    pen.text((MARGIN, HEIGHT - 70), card.footer, font=footer_font, fill=SOFT)

    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class CardCache:
    """Cards drawn once per version, kept as files; concurrent asks for a card not drawn
    yet (the crawlers of several networks arrive together after a share) share one
    drawing, done in a thread so the event loop keeps serving."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._drawing: dict[str, asyncio.Future[bytes]] = {}

    def path(self, card: Card) -> Path:
        return self.directory / f"{card.kind}-{card.content_id}-{card.version}.png"

    async def png(self, card: Card) -> bytes:
        try:
            return self.path(card).read_bytes()
        except OSError:  # not drawn yet, or the directory is unusable: draw it
            pass
        key = self.path(card).name
        drawing = self._drawing.get(key)
        if drawing is None:
            drawing = asyncio.ensure_future(asyncio.to_thread(self._draw_and_keep, card))
            self._drawing[key] = drawing
            drawing.add_done_callback(lambda _: self._drawing.pop(key, None))
        return await asyncio.shield(drawing)

    def _draw_and_keep(self, card: Card) -> bytes:
        png = draw(card)
        target = self.path(card)
        try:
            self._keep(png, target)
            for older in self.directory.glob(f"{card.kind}-{card.content_id}-*.png"):
                if older != target:
                    older.unlink(missing_ok=True)
        except OSError as exc:  # a full or read-only disk: serve it, draw it again next time
            log.warning("preview card %s not kept: %s", target.name, exc)
        return png

    def _keep(self, png: bytes, target: Path) -> None:
        """Written then renamed, so another replica never reads half a file; a file
        that could not be completed is removed."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.directory, suffix=".part", delete=False) as out:
            partial = Path(out.name)
        try:
            partial.write_bytes(png)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
