"""A shields-style SVG badge of a run's outcome, for READMEs and dashboards."""

from pathlib import Path
from xml.sax.saxutils import escape

from testforge.domain.results import Summary

_CHAR_PX = 6.5
_PAD_PX = 10


def badge_svg(summary: Summary, label: str = "e2e tests") -> str:
    if summary.failed:
        message, color = f"{summary.failed} failed, {summary.passed} passed", "#e05d44"
    elif summary.healed:
        message, color = f"{summary.passed} passed, {summary.healed} healed", "#dfb317"
    else:
        message, color = f"{summary.passed} passed", "#4c1"
    left = int(len(label) * _CHAR_PX + 2 * _PAD_PX)
    right = int(len(message) * _CHAR_PX + 2 * _PAD_PX)
    width = left + right
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{escape(label)}: {escape(message)}"><title>{escape(label)}: {escape(message)}</title>'
        f'<rect width="{left}" height="20" fill="#555"/><rect x="{left}" width="{right}" height="20" fill="{color}"/>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2}" y="14">{escape(label)}</text>'
        f'<text x="{left + right / 2}" y="14">{escape(message)}</text></g></svg>'
    )


def write_badge(summary: Summary, path: Path) -> Path:
    path.write_text(badge_svg(summary), encoding="utf-8")
    return path
