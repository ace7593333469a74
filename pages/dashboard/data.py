"""The lists about figures: recent imports, and live figures in the narrative that cannot be
shown."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import replace

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from core.formatting import day_and_time
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

#: A failed run the officer has not opened is listed for this long.
FAILED_LISTED_FOR = datetime.timedelta(days=1)


def running_imports(user: AnyUser) -> list[ImportRun]:
    """The user's imports that the task worker is running, or has yet to start, and those
    that failed since yesterday which they have not opened; one whose worker stopped is
    marked failed (`indicators.tasks.settle`)."""
    from indicators.tasks import settle

    if not user.has_perm("indicators.add_value"):
        return []
    unfinished = [ImportRun.State.QUEUED, ImportRun.State.RUNNING]
    failed = Q(
        state=ImportRun.State.FAILED,
        shown=False,
        finished_at__gte=timezone.now() - FAILED_LISTED_FOR,
    )
    runs = list(ImportRun.objects.filter(Q(state__in=unfinished) | failed, user=user.pk)[:LISTED])
    settle(runs)
    return runs


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
    runs = runs_of(found)
    rows = []
    for batch in found:
        problem = (
            _first_sentence(batch.notes) if batch.status == ImportBatch.Status.REJECTED else ""
        )
        run = runs.get(batch.pk)
        rows.append(
            ImportRow(
                batch=batch,
                url=reverse("admin:indicators_importbatch_change", args=[batch.pk]),
                who=person(batch.imported_by),
                release_url=(
                    reverse("admin:pages_topic_release", args=[batch.pk])
                    if batch.is_pending
                    else ""
                ),
                problem=problem,
                progress=import_progress(batch, run, problem),
                progress_url=(
                    reverse("admin:indicators_value_import_run", args=[run.pk])
                    if run is not None
                    and run.user_id == user.pk
                    and batch.status == ImportBatch.Status.RUNNING
                    else ""
                ),
                percent=run.percent if run is not None and not run.finished else None,
                running=batch.status == ImportBatch.Status.RUNNING
                and (run is None or not run.finished),
            )
        )
    return Listing(
        title="Recent imports",
        items=rows,
        total=total,
        empty="No imports yet.",
        more_url=changelist("indicators_importbatch"),
    )


def runs_of(batches: list[ImportBatch]) -> dict[int, ImportRun]:
    """The officer's run that made each import, in one query: the run an import finished
    points at it; a running import's run is the latest run of the same file by the same
    person started before it, not finished or failed (a run whose worker stopped is marked
    failed: `indicators.tasks.settle`)."""
    from indicators.tasks import settle

    if not batches:
        return {}
    running = [
        batch for batch in batches if batch.status == ImportBatch.Status.RUNNING and batch.file_hash
    ]
    query = Q(batch__in=[batch.pk for batch in batches])
    if running:
        query |= Q(
            batch__isnull=True,
            upload__in={batch.file_hash for batch in running},
            state__in=[ImportRun.State.QUEUED, ImportRun.State.RUNNING, ImportRun.State.FAILED],
        )
    runs = list(ImportRun.objects.filter(query).order_by("created_at"))
    found = {run.batch_id: run for run in runs if run.batch_id is not None}
    for batch in running:
        before = [
            run
            for run in runs
            if run.batch_id is None
            and run.upload == batch.file_hash
            and run.user_id == batch.imported_by_id
            and run.created_at <= batch.imported_at
        ]
        if before:
            found[batch.pk] = before[-1]
    settle(found.values())
    return found


def import_progress(batch: ImportBatch, run: ImportRun | None, problem: str = "") -> str:
    """How far an import has got, or when it finished: “Checking: 45%”, “Waiting to start”,
    “Staged 1 March 2026 at 10:02”, “Failed: why”."""
    status = ImportBatch.Status
    if batch.status == status.RUNNING:
        if run is None:
            return "Running"
        if run.state == ImportRun.State.FAILED:
            return f"Failed: {run.error}"
        if run.state == ImportRun.State.QUEUED:
            return "Waiting to start"
        doing = "Checking" if run.dry_run else "Importing"
        return f"{doing}: {run.percent}%" if run.percent is not None else doing
    if batch.status == status.REJECTED:
        return f"Failed: {problem}" if problem else "Failed"
    if batch.status == status.UNDONE:
        return f"Undone {day_and_time(batch.undone_at)}" if batch.undone_at else "Undone"
    finished = batch.applied_at or (run.finished_at if run is not None else None)
    finished = finished or batch.imported_at
    if batch.is_pending:
        return f"Staged {day_and_time(finished)}"
    if batch.status == status.APPLIED:
        return f"Released {day_and_time(batch.published_at or finished)}"
    return f"Finished {day_and_time(finished)}"


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
