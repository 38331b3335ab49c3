"""The preview card's drawing (`app/web/cards.py`): every title fits the card, however
long its words, and what is left out is marked."""

from __future__ import annotations

import io

from PIL import Image

from app.web.cards import TEXT_WIDTH, Card, _font, clip, draw, wrap

BOLD = _font(True, 72)


def test_a_title_wraps_at_words_within_the_cards_width() -> None:
    lines = wrap("Développeur·se Frontend React confirmé·e pour notre équipe produit", BOLD, 800)
    assert len(lines) > 1
    assert " ".join(lines) == "Développeur·se Frontend React confirmé·e pour notre équipe produit"
    assert all(BOLD.getlength(line) <= 800 for line in lines)


def test_a_word_wider_than_the_card_is_cut_where_it_must() -> None:
    word = "Supercalifragilisticexpialidocious" * 3
    lines = wrap(word, BOLD, TEXT_WIDTH)
    assert "".join(lines) == word
    assert all(BOLD.getlength(line) <= TEXT_WIDTH for line in lines)


def test_text_left_out_ends_the_last_line_with_an_ellipsis() -> None:
    lines = wrap("one two three four five six seven eight nine ten", BOLD, 300)
    kept = clip(lines, 2, BOLD, 300)
    assert len(kept) == 2 and kept[-1].endswith("…")
    assert BOLD.getlength(kept[-1]) <= 300
    assert clip(lines[:2], 2, BOLD, 300) == lines[:2]  # nothing left out, nothing marked


def test_a_card_is_a_1200_by_630_png_whatever_its_text() -> None:
    for title in ("", "QA", "Très " * 200):
        card = Card("job", 1, "Acme " * 30, "We're hiring", title, "Paris · " * 40, "acme.test")
        image = Image.open(io.BytesIO(draw(card)))
        assert (image.format, image.size) == ("PNG", (1200, 630))


def test_the_version_changes_with_anything_drawn() -> None:
    card = Card("job", 1, "Acme", "We're hiring", "QA", "Paris", "acme.test")
    others = [
        Card("job", 1, "Acme Ltd", "We're hiring", "QA", "Paris", "acme.test"),
        Card("job", 1, "Acme", "Nous recrutons", "QA", "Paris", "acme.test"),
        Card("job", 1, "Acme", "We're hiring", "QA lead", "Paris", "acme.test"),
        Card("job", 1, "Acme", "We're hiring", "QA", "Lyon", "acme.test"),
    ]
    assert len({card.version, *(other.version for other in others)}) == 5
    assert (
        Card("job", 2, "Acme", "We're hiring", "QA", "Paris", "acme.test").version == card.version
    )
