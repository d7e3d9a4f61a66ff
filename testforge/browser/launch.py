"""Chromium launch options, with a clear error when the browser is missing."""

import os
import shutil
from typing import Any

from testforge.domain.errors import BrowserUnavailableError
from testforge.settings import BrowserSettings

INSTALL_HINT = (
    "install Debian's Chromium (`sudo apt-get install -y chromium`) or point "
    "TESTFORGE_CHROMIUM at a Chromium executable"
)


def launch_options(settings: BrowserSettings) -> dict[str, Any]:
    """Keyword arguments for `playwright.chromium.launch`, after checking the executable."""
    path = settings.chromium
    resolved = path if path.is_absolute() else shutil.which(str(path))
    if resolved is None or not os.access(resolved, os.X_OK):
        raise BrowserUnavailableError(f"Chromium not found at {path}", fix=INSTALL_HINT)
    return {"executable_path": str(resolved), "headless": settings.headless, "args": settings.args}


def translate_launch_error(exc: Exception, settings: BrowserSettings) -> BrowserUnavailableError:
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return BrowserUnavailableError(
        f"Chromium at {settings.chromium} failed to start: {first_line}", fix=INSTALL_HINT
    )
