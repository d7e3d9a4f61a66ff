"""Reporting: JUnit XML, JSON, a self-contained HTML report and a status badge."""
