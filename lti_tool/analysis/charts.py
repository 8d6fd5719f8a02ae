"""The analysis charts as server-rendered SVG: the score distribution (a column per band of 10
percentage points) and an item's options (lti_tool.forms.charts draws the horizontal bars).
Each is an image with a title and a description, always next to a table of the same numbers;
no script, no style attribute (the CSP forbids both)."""

from __future__ import annotations

from markupsafe import Markup, escape

INK = "#1a1a1a"
BAR = "#0b4f8a"  # 8:1 on white
GRID = "#767676"  # 4.5:1 on white

PLOT_H = 160
COLUMN_W = 44
LEFT = 40
BOTTOM = 40
TOP = 22  # room for the count above the tallest bar
FONT = 12


def histogram(
    counts: list[int], labels: list[str], *, title: str, description: str, ident: str
) -> Markup:
    """Vertical bars, one per band, with the count above each and the band below."""
    width = LEFT + COLUMN_W * len(counts) + 10
    height = TOP + PLOT_H + BOTTOM
    highest = max(counts, default=0) or 1
    body = [
        f'<line x1="{LEFT}" y1="{TOP + PLOT_H}" x2="{width - 10}" y2="{TOP + PLOT_H}" '
        f'stroke="{GRID}"/>',
        f'<text x="{LEFT - 6}" y="{TOP + PLOT_H}" text-anchor="end" font-size="{FONT}" '
        f'fill="{INK}">0</text>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" font-size="{FONT}" '
        f'fill="{INK}">{highest}</text>',
    ]
    for i, (count, label) in enumerate(zip(counts, labels, strict=True)):
        x = LEFT + i * COLUMN_W
        h = count / highest * PLOT_H
        y = TOP + PLOT_H - h
        body.append(
            f'<rect x="{x + 4}" y="{y:.1f}" width="{COLUMN_W - 8}" height="{h:.1f}" fill="{BAR}"/>'
        )
        if count:
            body.append(
                f'<text x="{x + COLUMN_W / 2:.1f}" y="{y - 4:.1f}" '
                f'text-anchor="middle" font-size="{FONT}" fill="{INK}">{count}</text>'
            )
        body.append(
            f'<text x="{x + COLUMN_W / 2:.1f}" y="{TOP + PLOT_H + 16}" text-anchor="middle" '
            f'font-size="10" fill="{INK}">{escape(label)}</text>'
        )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" aria-labelledby="{ident}-t {ident}-d">'
        f'<title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(description)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")
