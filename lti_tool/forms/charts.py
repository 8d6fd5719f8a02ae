"""Small bar charts as server-rendered SVG (no JavaScript, nothing inline the CSP forbids:
SVG presentation attributes are not style attributes). Each chart is an image with a title and
a description; the same numbers are always in a table next to it for screen readers."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

BEFORE_COLOUR = "#6b6b6b"  # 5.3:1 on white
AFTER_COLOUR = "#0b4f8a"  # 8:1 on white
BAR_COLOUR = "#0b4f8a"
INK = "#1a1a1a"

LABEL_W = 200
BAR_W = 300
VALUE_W = 70
ROW_H = 22
FONT = 13


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # 0..maximum
    text: str  # what is written after the bar ("12 (40 %)")


def _truncate(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(
    width: int, height: int, title: str, description: str, body: list[str], ident: str
) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" aria-labelledby="{ident}-t {ident}-d">'
        f'<title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(description)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def bar_chart(
    bars: list[Bar], *, maximum: float, title: str, description: str, ident: str
) -> Markup:
    width = LABEL_W + BAR_W + VALUE_W
    body = []
    for i, bar in enumerate(bars):
        y = i * ROW_H
        length = 0 if maximum <= 0 else max(0.0, min(1.0, bar.value / maximum)) * BAR_W
        body.append(
            f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end" font-size="{FONT}" '
            f'fill="{INK}">{escape(_truncate(bar.label))}</text>'
        )
        body.append(
            f'<rect x="{LABEL_W}" y="{y + 4}" width="{length:.1f}" height="{ROW_H - 8}" '
            f'fill="{BAR_COLOUR}"/>'
        )
        body.append(
            f'<text x="{LABEL_W + length + 6:.1f}" y="{y + 15}" font-size="{FONT}" '
            f'fill="{INK}">{escape(bar.text)}</text>'
        )
    return _svg(width, max(ROW_H, len(bars) * ROW_H), title, description, body, ident)


@dataclass(frozen=True)
class PairedBar:
    label: str
    before: float | None  # percent
    after: float | None
    before_text: str
    after_text: str


def paired_chart(
    pairs: list[PairedBar],
    *,
    before_label: str,
    after_label: str,
    title: str,
    description: str,
    ident: str,
) -> Markup:
    """Two bars per row (before, after) on a 0-100 % scale, with a legend on top."""
    width = LABEL_W + BAR_W + VALUE_W
    legend_h = 26
    pair_h = 2 * (ROW_H - 6) + 10
    body = [
        f'<rect x="{LABEL_W}" y="4" width="14" height="14" fill="{BEFORE_COLOUR}"/>',
        f'<text x="{LABEL_W + 20}" y="16" font-size="{FONT}" fill="{INK}">'
        f"{escape(before_label)}</text>",
        f'<rect x="{LABEL_W + 150}" y="4" width="14" height="14" fill="{AFTER_COLOUR}"/>',
        f'<text x="{LABEL_W + 170}" y="16" font-size="{FONT}" fill="{INK}">'
        f"{escape(after_label)}</text>",
    ]
    for i, pair in enumerate(pairs):
        top = legend_h + i * pair_h
        body.append(
            f'<text x="{LABEL_W - 6}" y="{top + 18}" text-anchor="end" font-size="{FONT}" '
            f'fill="{INK}">{escape(_truncate(pair.label))}</text>'
        )
        for j, (value, text, colour) in enumerate(
            (
                (pair.before, pair.before_text, BEFORE_COLOUR),
                (pair.after, pair.after_text, AFTER_COLOUR),
            )
        ):
            y = top + j * (ROW_H - 6)
            length = 0.0 if value is None else max(0.0, min(100.0, value)) / 100 * BAR_W
            body.append(
                f'<rect x="{LABEL_W}" y="{y + 2}" width="{length:.1f}" height="{ROW_H - 10}" '
                f'fill="{colour}"/>'
            )
            body.append(
                f'<text x="{LABEL_W + length + 6:.1f}" y="{y + 12}" font-size="11" '
                f'fill="{INK}">{escape(text)}</text>'
            )
    return _svg(width, legend_h + max(1, len(pairs)) * pair_h, title, description, body, ident)
