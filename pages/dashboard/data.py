"""The lists about figures: recent imports, and live figures in the narrative that cannot be
shown."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.text import Truncator

from indicators.models import ImportBatch, ImportChange, ImportRun
from pages.dashboard.lists import (
    LISTED,
    BrokenFigure,
    ImportRow,
    Listing,
    changelist,
    first,
    person,
    topic_url,
)
from pages.models import Section, Status
from pages.permissions import AnyUser, can_edit_any, is_publisher, looked_after_by
from pages.references import Reference, ReferenceError, Resolver, parse, substitute
from pages.workflow import EDITABLE


def running_imports(user: AnyUser) -> list[ImportRun]:
    """The user's imports that the task worker is running, or has yet to start."""
    if not user.has_perm("indicators.add_value"):
        return []
    unfinished = [ImportRun.State.QUEUED, ImportRun.State.RUNNING]
    return list(ImportRun.objects.filter(user=user.pk, state__in=unfinished)[:LISTED])


def recent_imports(user: AnyUser) -> Listing[ImportRow] | None:
    """The latest imports: everyone's for those who may edit any page; an officer's own, and
    those that set figures of the indicators on the pages they look after."""
    if not user.has_perm("indicators.view_importbatch"):
        return None
    batches = ImportBatch.objects.select_related("imported_by").order_by("-imported_at", "-pk")
    if not can_edit_any(user):
        theirs = Section.objects.filter(
            looked_after_by(user, "topic__"), indicator__isnull=False
        ).values("indicator_id")
        touched = ImportChange.objects.filter(batch=OuterRef("pk"), indicator_id__in=theirs)
        batches = batches.filter(Q(imported_by=user.pk) | Exists(touched))
    found, total = first(batches)
    rows = [
        ImportRow(
            batch=batch,
            url=reverse("admin:indicators_importbatch_change", args=[batch.pk]),
            who=person(batch.imported_by),
            release_url=(
                reverse("admin:pages_topic_release", args=[batch.pk]) if batch.is_pending else ""
            ),
            problem=_first_sentence(batch.notes)
            if batch.status == ImportBatch.Status.REJECTED
            else "",
        )
        for batch in found
    ]
    return Listing(
        title="Recent imports",
        items=rows,
        total=total,
        empty="No imports yet.",
        more_url=changelist("indicators_importbatch"),
    )


def _first_sentence(text: str) -> str:
    """The first sentence of an import's notes, which say first what went wrong."""
    line = next((line for line in text.strip().splitlines() if line.strip()), "")
    sentence = line.split(". ", 1)[0].strip()
    if sentence and not sentence.endswith((".", ":", "?", "!")):
        sentence += "."
    return Truncator(sentence).chars(200)


def broken_figures(user: AnyUser, limit: int = LISTED) -> Listing[BrokenFigure]:
    """Live figures in the narrative of published pages and drafts that do not resolve (they
    name something the site no longer has, or there is no figure for them): each page's
    references are resolved for its own area, all the pages' together, in a fixed number of
    queries."""
    sections = (
        Section.objects.filter(body__contains="{{", topic__status__in=[*EDITABLE, Status.PUBLISHED])
        .select_related("topic__area", "topic__draft_of")
        .order_by("topic__path", "topic__draft_of_id", "sort_order", "pk")
    )
    everything = is_publisher(user) or can_edit_any(user)
    if not everything:
        sections = sections.filter(looked_after_by(user, "topic__"))
    found = _references(list(sections))
    resolver = Resolver.for_references([r for _, _, r in found if r.kind != "invalid"], None)
    broken = []
    for section, written, reference in found:
        if "figure-missing" not in resolver.render(reference):
            continue
        try:
            parse(written.text) if written.kind == "invalid" else resolver.check(reference)
            reason = "The site holds no figure for it (for that area, period or breakdown)."
        except ReferenceError as error:
            reason = str(error)
        broken.append(
            BrokenFigure(
                topic=section.topic,
                heading=section.heading,
                reference=f"{{{{{written.text}}}}}",
                reason=reason,
                url=topic_url(section.topic),
            )
        )
    return Listing(
        title="Broken live figures",
        items=broken[:limit],
        total=len(broken),
        empty="Every live figure on "
        + ("the site's pages" if everything else "your pages")
        + " can be shown.",
        more_url=reverse("admin:pages_topic_review") + ("" if everything else "?mine=1"),
    )


def _references(sections: Iterable[Section]) -> list[tuple[Section, Reference, Reference]]:
    """Each section's references, as written and as resolved: a reference that leaves the
    area to the page names the page's area, so that one resolver serves every page."""
    found = []
    for section in sections:
        area = section.topic.area
        for reference in substitute(section.body)[1]:
            resolved = reference
            if reference.kind != "invalid" and area is not None and not reference.option("area"):
                resolved = replace(reference, options=(*reference.options, ("area", area.code)))
            found.append((section, reference, resolved))
    return found
