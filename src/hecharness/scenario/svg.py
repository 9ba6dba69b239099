"""A timeline as an SVG picture: one row per batch, its attempts over logical time, the job's events as lines.

The periods a fault was in force are shaded behind the marks, so the outage itself shows next to
what the sender made of it. A failed attempt the HEC had indexed anyway (its answer came too late)
is a ring with a green centre: those records arrive again with the retry.

Hand-written SVG, so any browser or CI artifact viewer shows it and nothing new is installed.
Every mark has a tooltip (`<title>`) with the attempt's details.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

from hecharness.scenario.text import clip
from hecharness.scenario.timeline import FaultWindow, Flag, Mark, MarkOutcome, Timeline

__all__ = ["render_svg"]

WIDTH = 960
LEFT, RIGHT, TOP = 110, 30, 78
PLOT_HEIGHT = 360  # lanes share it, within the lane height limits below
COLOURS = {
    MarkOutcome.DELIVERED: "#2e9b48",
    MarkOutcome.ACCEPTED: "#2e9b48",
    MarkOutcome.RETRY: "#e8910c",
    MarkOutcome.DROPPED: "#d62f2f",
    MarkOutcome.REFUSED: "#d62f2f",
}
FAULT_COLOUR = "#d62f2f"
INDEXED_COLOUR = COLOURS[MarkOutcome.DELIVERED]
FLAG_COLOURS = {
    "disabled": "#d62f2f",
    "enabled": "#2e9b48",
    "change-requested": "#7b4fbf",
    "change-applied": "#2b6cc4",
    "change-refused": "#d62f2f",
    "action": "#6b6b6b",
}
_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


def render_svg(timeline: Timeline, title: str, subtitle: str = "") -> str:
    lanes = timeline.lanes or ("(nothing sent)",)
    lane_height = max(3.0, min(22.0, PLOT_HEIGHT / len(lanes)))
    plot_height = lane_height * len(lanes)
    span = max([timeline.span, 1.0, *(m.offset for m in timeline.marks), *(f.offset for f in timeline.flags)])
    plot_width = WIDTH - LEFT - RIGHT

    def x(offset: float) -> float:
        return LEFT + max(0.0, offset) / span * plot_width

    def y(lane_index: int) -> float:
        return TOP + (lane_index + 0.5) * lane_height

    height = TOP + plot_height + 76
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}" '
        'font-family="Helvetica, Arial, sans-serif" font-size="11">',
        f'<rect width="{WIDTH}" height="{height:.0f}" fill="white"/>',
        f'<text x="{LEFT}" y="20" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    if subtitle:
        parts.append(f'<text x="{LEFT}" y="37" fill="#444">{escape(clip(subtitle, 150))}</text>')

    index = {lane: i for i, lane in enumerate(lanes)}
    label_every = max(1, math.ceil(12 / lane_height))  # labels 12 px apart at least
    for lane, i in index.items():
        if i % 2 == 0 and lane_height >= 6:
            parts.append(f'<rect x="{LEFT}" y="{TOP + i * lane_height:.1f}" width="{plot_width}" height="{lane_height:.1f}" fill="#f4f5f7"/>')
        if i % label_every == 0:
            parts.append(f'<text x="{LEFT - 8}" y="{y(i) + 4:.1f}" text-anchor="end" fill="#333">{escape(lane)}</text>')
    parts += _fault_windows(timeline.faults, x, plot_height)
    parts.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_width}" height="{plot_height:.1f}" fill="none" stroke="#bbb"/>')

    parts += _axis(span, x, TOP + plot_height)
    parts += _flags(timeline.flags, x, plot_height)

    by_lane: dict[str, list[Mark]] = {}
    for mark in timeline.marks:
        by_lane.setdefault(mark.lane, []).append(mark)
    radius = max(1.5, min(5.0, lane_height / 2 - 0.5))
    for lane, marks in by_lane.items():
        row = y(index[lane])
        if len(marks) > 1 and lane != "requests":
            parts.append(
                f'<line x1="{x(marks[0].offset):.1f}" y1="{row:.1f}" x2="{x(marks[-1].offset):.1f}" y2="{row:.1f}" stroke="#999" stroke-width="1"/>'
            )
        for mark in marks:
            parts.append(_mark(mark, x(mark.offset), row, radius))

    parts += _legend(timeline, TOP + plot_height + 48)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _mark(mark: Mark, cx: float, cy: float, r: float) -> str:
    colour = COLOURS.get(mark.outcome, "#333")
    tooltip = f"<title>{escape(mark.label)}</title>"
    if mark.outcome in (MarkOutcome.DROPPED, MarkOutcome.REFUSED):
        d = r + 0.5
        return (
            f'<g stroke="{colour}" stroke-width="2">{tooltip}'
            f'<line x1="{cx - d:.1f}" y1="{cy - d:.1f}" x2="{cx + d:.1f}" y2="{cy + d:.1f}"/>'
            f'<line x1="{cx - d:.1f}" y1="{cy + d:.1f}" x2="{cx + d:.1f}" y2="{cy - d:.1f}"/></g>'
        )
    fill = colour if mark.outcome in (MarkOutcome.DELIVERED, MarkOutcome.ACCEPTED) else "white"
    ring = f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{fill}" stroke="{colour}" stroke-width="1.5">{tooltip}</circle>'
    if not mark.indexed:
        return ring
    return f'<g class="indexed">{ring}<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{max(1.0, r * 0.5):.1f}" fill="{INDEXED_COLOUR}">{tooltip}</circle></g>'


def _fault_windows(windows: tuple[FaultWindow, ...], x, plot_height: float) -> list[str]:
    # Named in the legend and the tooltip, not on the plot, where a label would cover the marks.
    return [
        f'<rect class="fault" x="{x(w.start):.1f}" y="{TOP}" width="{max(1.0, x(w.end) - x(w.start)):.1f}" height="{plot_height:.1f}" '
        f'fill="{FAULT_COLOUR}" fill-opacity="0.10"><title>fault {escape(w.label)}: in force from {_duration(w.start)} to {_duration(w.end)}</title></rect>'
        for w in windows
    ]


def _flags(flags: tuple[Flag, ...], x, plot_height: float) -> list[str]:
    parts = []
    for i, flag in enumerate(flags):
        colour = FLAG_COLOURS.get(flag.kind, "#6b6b6b")
        fx = x(flag.offset)
        label_y = TOP - 8 - 12 * (i % 3)  # three rows, so neighbouring labels do not overlap
        dash = "" if flag.kind in ("disabled", "enabled", "change-applied") else ' stroke-dasharray="4 3"'
        parts.append(
            f'<g><title>{escape(flag.label)} at {flag.offset:,.1f} s</title>'
            f'<line x1="{fx:.1f}" y1="{label_y + 3}" x2="{fx:.1f}" y2="{TOP + plot_height:.1f}" stroke="{colour}" stroke-width="1.5"{dash}/>'
            f'<text x="{fx + 3:.1f}" y="{label_y}" fill="{colour}">{escape(clip(flag.label.split(":")[0], 40))}</text></g>'
        )
    return parts


def _axis(span: float, x, baseline: float) -> list[str]:
    step = next((s for s in _STEPS if span / s <= 10), _STEPS[-1])
    parts = []
    tick = 0.0
    while tick <= span + 1e-9:
        tx = x(tick)
        parts.append(f'<line x1="{tx:.1f}" y1="{baseline:.1f}" x2="{tx:.1f}" y2="{baseline + 5:.1f}" stroke="#555"/>')
        parts.append(f'<text x="{tx:.1f}" y="{baseline + 17:.1f}" text-anchor="middle" fill="#333">{_duration(tick)}</text>')
        tick += step
    parts.append(f'<text x="{LEFT + (WIDTH - LEFT - RIGHT) / 2:.0f}" y="{baseline + 32:.1f}" text-anchor="middle" fill="#555">logical time since the sender started</text>')
    return parts


def _legend(timeline: Timeline, top: float) -> list[str]:
    entries = [(outcome, timeline.count(outcome)) for outcome in MarkOutcome]
    parts, left = [], LEFT

    def entry(picture: str, text: str) -> None:
        nonlocal left
        parts.append(picture)
        parts.append(f'<text x="{left + 14}" y="{top + 4}" fill="#333">{escape(text)}</text>')
        left += 26 + 6.5 * len(text)

    indexed = [mark for mark in timeline.marks if mark.indexed]
    for outcome, count in entries:
        count -= sum(1 for mark in indexed if mark.outcome == outcome)
        if count:
            text = {MarkOutcome.RETRY: "failed, retried", MarkOutcome.DROPPED: "failed, batch dropped"}.get(outcome, outcome)
            entry(_mark(Mark("", 0, outcome, outcome), left + 5, top, 4.5), f"{text} ({count:,})")
    if indexed:
        records = sum(mark.indexed for mark in indexed)
        text = f"failed, yet indexed: {records:,} records sent again ({len(indexed):,})"
        entry(_mark(Mark("", 0, "retry", "", 1), left + 5, top, 4.5), text)
    if timeline.faults:
        named = "; ".join(dict.fromkeys(window.label for window in timeline.faults))
        entry(f'<rect x="{left}" y="{top - 5}" width="10" height="10" fill="{FAULT_COLOUR}" fill-opacity="0.25"/>', clip(f"fault {named}", 70))
    return parts


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 7200:
        return f"{seconds / 60:g} min"
    return f"{seconds / 3600:g} h"
