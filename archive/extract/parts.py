"""Multi-page articles: one record made of every page's body, the metadata read off the first page."""

from __future__ import annotations

from dataclasses import replace

from archive.article import Article


def join_parts(first: Article, later: list[Article]) -> Article:
    """The first page's record with every page's body, HTML, images and spam in page order.

    Title, dates, author and the rest come from the first page only: later pages repeat them at best, and a
    part that is not an article (an error page, a listing) adds nothing."""
    pages = [first, *(a for a in later if a.page_type == "article")]
    bodies = [a.body for a in pages if a.body]
    htmls = [a.body_html for a in pages if a.body_html]
    images = list(first.images)
    seen = {i.src for i in images}
    for a in pages[1:]:
        for img in a.images:
            if img.src not in seen:
                seen.add(img.src)
                images.append(img)
    spam = list(first.spam)
    spam += [s for a in pages[1:] for s in a.spam if s not in spam]
    return replace(
        first,
        body="\n\n".join(bodies) if bodies else first.body,
        body_html="\n".join(htmls) if htmls else first.body_html,
        images=images,
        spam=spam,
    )
