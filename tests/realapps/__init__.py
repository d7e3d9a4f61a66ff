"""The real-application corpus: open-source web apps, at two released versions each."""
