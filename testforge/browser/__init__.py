"""Browser adapter: starting Chromium through Playwright and reading elements off live pages."""
