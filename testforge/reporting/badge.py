"""A shields-style SVG badge of a run's outcome, for READMEs and dashboards."""

from pathlib import Path
from xml.sax.saxutils import escape

from testforge.domain.results import Summary

_CHAR_PX = 6.5
_PAD_PX = 10


_TEMPLATE = """<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" \
aria-label="{text}"><title>{text}</title>
<rect width="{left}" height="20" fill="#555"/>
<rect x="{left}" width="{right}" height="20" fill="{color}"/>
<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">
<text x="{label_x}" y="14">{label}</text><text x="{message_x}" y="14">{message}</text></g></svg>
"""


def badge_svg(summary: Summary, label: str = "e2e tests") -> str:
    if summary.failed:
        message, color = f"{summary.failed} failed, {summary.passed} passed", "#e05d44"
    elif summary.healed:
        message, color = f"{summary.passed} passed, {summary.healed} healed", "#dfb317"
    else:
        message, color = f"{summary.passed} passed", "#4c1"
    left = int(len(label) * _CHAR_PX + 2 * _PAD_PX)
    right = int(len(message) * _CHAR_PX + 2 * _PAD_PX)
    return _TEMPLATE.format(
        width=left + right,
        left=left,
        right=right,
        color=color,
        text=escape(f"{label}: {message}"),
        label=escape(label),
        message=escape(message),
        label_x=left / 2,
        message_x=left + right / 2,
    )


def write_badge(summary: Summary, path: Path) -> Path:
    path.write_text(badge_svg(summary), encoding="utf-8")
    return path
