"""Releases as the public see them: “Changes to these figures”, the list of releases that
added or revised an indicator's figures (with the officer's release note and any correction
notice), for topic and indicator pages. Revised figures themselves carry their mark
(`Value.revised_on`, shown as “r” by `indicators.tables`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from core.formatting import joined
from indicators.models import ImportBatch


@dataclass(frozen=True)
class FigureChange:
    """One release of a page's (or an indicator's) figures, as the public list shows it."""

    released: datetime.date
    what: str  # "Rate of referrals: figures for 2013/14 added; 3 figures revised."
    note: str  # the officer's release note; may be ""
    correction: str  # a correction notice; may be ""


#: Releases listed under “Changes to these figures”.
CHANGES_LISTED = 10


def figure_changes(indicators: dict[int, str]) -> tuple[FigureChange, ...]:
    """The releases that changed these indicators' figures, newest first (one query)."""
    if not indicators:
        return ()
    releases = ImportBatch.objects.filter(
        release=ImportBatch.Release.PUBLISHED,
        published_at__isnull=False,
        release_summary__has_any_keys=[str(pk) for pk in indicators],
    ).order_by("-published_at")[:CHANGES_LISTED]
    found = []
    for batch in releases:
        parts = []
        for key, part in batch.release_summary.items():
            name = indicators.get(int(key))
            if name is None:
                continue
            done = []
            if part.get("corrected"):
                done.append("figures corrected")
            if part.get("periods"):
                done.append(f"figures for {joined(part['periods'])} added")
            elif part.get("added"):
                done.append(
                    f"{part['added']:,} {'figure' if part['added'] == 1 else 'figures'} added"
                )
            if part.get("revised"):
                done.append(
                    f"{part['revised']:,} {'figure' if part['revised'] == 1 else 'figures'} revised"
                )
            if done:
                parts.append(f"{name}: {'; '.join(done)}.")
        when = timezone.localdate(batch.published_at)
        found.append(
            FigureChange(when, " ".join(parts), batch.release_note, batch.correction_notice)
        )
    return tuple(found)
