"""The sandbox runner: what a TestForge Job runs (`python -m testforge.sandbox`)."""
