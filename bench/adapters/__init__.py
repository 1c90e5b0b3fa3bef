"""Adapters that make the peer extractors (trafilatura, GNE) print SPEC-shaped JSON lines, for score.py."""
