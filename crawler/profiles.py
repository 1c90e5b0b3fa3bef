"""Per-site profiles, the crawl's side: start URLs, allowed paths, article and listing URL patterns.

The profile model, the file format and the extraction overrides (selectors, time zone) are the archive's
(:mod:`archive.profiles`): extraction applies them wherever a record is made (crawl, WARC import, reparse),
and the archive keeps the profile file it was given. The crawl reads the same model to decide which links
to follow (:meth:`SiteProfile.allows`), which are articles or listings (:meth:`SiteProfile.classify`), and
where to start (:attr:`Profiles.start_urls`).
"""

from __future__ import annotations

from archive.profiles import (
    SELECTOR_FIELDS,
    ProfileExtractor,
    Profiles,
    SiteProfile,
    apply_selectors,
    in_site_zone,
    load_profiles,
    parse_profiles,
)

__all__ = [
    "SELECTOR_FIELDS",
    "ProfileExtractor",
    "Profiles",
    "SiteProfile",
    "apply_selectors",
    "in_site_zone",
    "load_profiles",
    "parse_profiles",
]
