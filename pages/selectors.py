"""What a topic page shows, read in one go: a plain `TopicPage` for its template, built from the
topic, its sections and links, and the figures of its indicators (`indicators.selectors`).

Selectors only read. Fetch the topic from `page_topics()`, which brings with it what
`topic_page` reads, so that a page costs the same few queries however much data it shows."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core import prebuilt
from core.caching import INDICATORS, REFERENCE, tag
from core.formatting import NOT_TESTED_NOTE, joined
from indicators.exports import values_download_links
from indicators.figures import FigureBuilder, SectionFigures, area_name
from indicators.models import PublishedValue, Value, ValueQuerySet
from indicators.revisions import FigureChange, figure_changes
from indicators.selectors import Download, Figures, IndicatorFacts, indicator_facts, page_figures
from pages.markdown import render_markdown
from pages.models import Section, Topic, TopicQuerySet
from pages.overview import overview_url
from pages.references import Resolver, substitute

T = TypeVar("T")


def unique(items: Iterable[T]) -> list[T]:
    """Items in first-seen order, without repeats."""
    return list(dict.fromkeys(items))


@dataclass(frozen=True)
class Link:
    """A link the page lists: a breadcrumb, a page under this one, a download or a link
    elsewhere, with the words shown after it ("" for none)."""

    title: str
    url: str
    description: str = ""


@dataclass(frozen=True)
class Author:
    """Who wrote the page, for readers to contact; "" for what they did not give."""

    name: str
    job_title: str
    email: str
    phone: str


@dataclass(frozen=True)
class DraftNotice:
    """What the banner over a page says to an officer about a draft: the page shown, or the
    draft of it that is waiting."""

    status: str  # e.g. "Draft", "In review"
    edit_url: str  # the draft in the admin
    published_url: str  # the published page it is a draft of; "" when there is none


@dataclass(frozen=True)
class PageSection:
    """A block of narrative, and the figures of its indicator when it has one."""

    anchor: str
    heading: str
    html: SafeString  # the narrative as clean HTML, its live figures filled in
    indicator: IndicatorFacts | None = None  # the indicator the section is about
    figures: Figures | None = None  # its figures for the page's area; None when there are none
    downloads: tuple[Download, ...] = ()  # exactly the figures shown, in each format
    #: Where the whole section, as the public see it, is kept built (core/prebuilt.py); None
    #: when the page is built from the figures (an officer's preview).
    slot: prebuilt.Slot | None = None


@dataclass(frozen=True)
class ComparisonGroup:
    """The named group of areas the page's figures are compared with, as the page names it."""

    sentence: str  # "Figures for Lancashire-12 are compared with … its 10 statistical neighbours …"
    summary: str  # what the list of its areas is called, e.g. "The 10 statistical neighbours"
    members: tuple[Link, ...]  # the group's areas, other than the page's own
    description: str  # where the group comes from; may be ""


@dataclass(frozen=True)
class ReleasePreview:
    """The banner over a page shown with staged figures: which imports, and where to release
    them."""

    imports: tuple[Link, ...]  # each staged import previewed, linking to its release page
    public_url: str  # the page as the public see it


@dataclass(frozen=True)
class TopicPage:
    """A topic page as its template shows it."""

    title: str
    summary: str
    breadcrumbs: tuple[Link, ...]  # the pages above this one, from the top down
    sections: tuple[PageSection, ...]
    child_pages: tuple[Link, ...]  # the published pages under this one, in their order
    links: tuple[Link, ...]  # downloads and links
    author: Author | None
    last_updated: datetime.date | None
    draft: DraftNotice | None = None  # the page shown is unpublished: seen by an officer
    pending_draft: DraftNotice | None = None  # a draft of this published page is waiting
    comparison_group: ComparisonGroup | None = None  # the topic's named comparator group
    #: Releases of these figures, newest first: “Changes to these figures”.
    figure_changes: tuple[FigureChange, ...] = ()
    #: Shown to an officer previewing staged figures (`?release=`): what is previewed.
    release_preview: ReleasePreview | None = None
    #: Staged figures an officer could preview on this page; empty for the public.
    releases_waiting: tuple[Link, ...] = ()
    #: What the page shows, as the page cache's tags (core/caching.py).
    shows: frozenset[str] = frozenset()
    #: What "not tested" means, said once when a comparison on the page could not be tested.
    untested_note: str = ""
    #: The page's indicators side by side for every area (pages/overview.py); "" for none.
    overview_url: str = ""

    @property
    def indicator_sections(self) -> tuple[PageSection, ...]:
        """The sections about an indicator, listed under “Indicators on this page”."""
        return tuple(s for s in self.sections if s.indicator is not None)


def page_topics() -> TopicQuerySet:
    """Topics with what `topic_page` reads (author, area and the areas above it, sections with
    their indicators, links, comparators) fetched in the same few queries."""
    return Topic.objects.select_related(
        "author", "area__parent__parent__parent", "comparator_group"
    ).prefetch_related(
        Prefetch("sections", queryset=Section.objects.select_related("indicator")),
        "links",
        "comparators",
        "comparator_group__members",
    )


def figure_source(releasing: Sequence[int] | None) -> ValueQuerySet:
    """The figures a page shows: the released ones, or, previewing the staged imports
    `releasing`, those as they will be once released (masked as the public would see them)."""
    if releasing is None:
        return PublishedValue.objects.all()
    return PublishedValue.with_staged.releasing(releasing)


def topic_page(
    topic: Topic,
    *,
    preview: bool = False,
    pending_draft: Topic | None = None,
    releasing: Sequence[int] | None = None,
    release_preview: ReleasePreview | None = None,
    releases_waiting: tuple[Link, ...] = (),
    prebuilt: bool = False,
) -> TopicPage:
    """The page of `topic` (fetched from `page_topics()`). `preview` says that the topic is
    not published and is shown to an officer; `pending_draft` is a draft of the published
    `topic` that the officer may preview. `releasing` shows the page with the figures of
    those staged imports, as they will be when released (an officer's preview). `prebuilt`
    reads the sections of the page as the public see it from their blocks kept in the
    database (core/prebuilt.py), building and keeping those missing or out of date."""
    sections = list(topic.sections.all())
    author = topic.author
    ancestors = topic.ancestors()
    if prebuilt and releasing is None and not preview:
        built = prebuilt_sections(topic, sections)
    else:
        built = live_sections(topic, sections, figure_source(releasing))
    return TopicPage(
        title=topic.title,
        summary=topic.summary,
        breadcrumbs=tuple(Link(t.title, t.get_absolute_url()) for t in ancestors),
        sections=built.sections,
        child_pages=tuple(
            Link(child.title, child.get_absolute_url(), child.summary)
            for child in Topic.objects.live()
            .filter(parent_id=topic.public_topic.pk)
            .order_by("sort_order", "title")
        ),
        links=tuple(Link(link.title, link.href, link.description) for link in topic.links.all()),
        author=Author(author.name, author.job_title, author.email, author.phone)
        if author is not None
        else None,
        last_updated=last_updated(topic, sections, built.figures_updated),
        untested_note=NOT_TESTED_NOTE if built.untested else "",
        overview_url=overview_url(topic)
        if topic.area_id is not None
        and not preview
        and any(s.indicator_id is not None for s in sections)
        else "",
        draft=draft_notice(topic, topic.draft_of if topic.draft_of_id else None)
        if preview
        else None,
        pending_draft=draft_notice(pending_draft, topic) if pending_draft is not None else None,
        comparison_group=comparison_group(topic),
        figure_changes=figure_changes(
            {s.indicator.pk: s.indicator.name for s in sections if s.indicator is not None}
        ),
        release_preview=release_preview,
        releases_waiting=releases_waiting,
        shows=frozenset(
            {
                REFERENCE,
                *(tag("topic", t.pk) for t in (topic, *ancestors)),
                *built.shows,
            }
        ),
    )


def comparison_group(topic: Topic) -> ComparisonGroup | None:
    """What the page says about the topic's comparator group, read from what `page_topics()`
    fetched: “Figures for Lancashire-12 are compared with the North West, England and its 10
    statistical neighbours (CIPFA nearest neighbours).” None without a group, without an area
    to compare, or when the group has no other area."""
    group, area = topic.comparator_group, topic.area
    if group is None or area is None:
        return None
    members = [a for a in group.members.all() if a.pk != area.pk]
    if not members:
        return None
    # The areas named one by one: its parents and the officer's own choice, less the group's.
    named = [a for a in unique([*area.ancestors(), *topic.comparators.all()]) if a not in members]
    if len(members) == 1:
        the_group, summary = f"{area_name(members[0])} ({group.name})", ""
    else:
        the_group = f"its {len(members)} {group.noun} ({group.name})"
        summary = f"The {len(members)} {group.noun}"
    names = [area_name(a) for a in named if a.pk != area.pk]
    return ComparisonGroup(
        sentence=f"Figures for {area_name(area)} are compared with {joined([*names, the_group])}.",
        summary=summary,
        members=tuple(Link(a.display_name, a.get_absolute_url()) for a in members),
        description=group.description,
    )


def narrative(
    topic: Topic, sections: list[Section], source: ValueQuerySet | None = None
) -> list[SafeString]:
    """Each section's Markdown as clean HTML, with its live figures filled in; one set of
    queries for all the page's references."""
    return narrative_and_resolver(topic, sections, source)[0]


def narrative_and_resolver(
    topic: Topic, sections: list[Section], source: ValueQuerySet | None = None
) -> tuple[list[SafeString], Resolver]:
    """`narrative()`, and the resolver that filled in its figures (which says what they are)."""
    references = [r for s in sections for r in substitute(s.body)[1] if r.kind != "invalid"]
    resolver = Resolver.for_references(references, topic.area, source=source)
    return [mark_safe(render_markdown(s.body, resolver=resolver)) for s in sections], resolver


def section_figures(
    topic: Topic, sections: list[Section], source: ValueQuerySet | None = None
) -> tuple[list[Value], dict[int, SectionFigures]]:
    """Every value the page shows (one query), and the figures of each section about an
    indicator that has figures for the page's area, by the section's id."""
    about = [(s, s.indicator) for s in sections if s.indicator is not None]
    if topic.area is None or not about:
        return [], {}
    comparators = topic.comparison_areas()
    values = list(
        (source if source is not None else PublishedValue.objects.all()).for_topic_page(
            indicator_ids=sorted({indicator.pk for _, indicator in about}),
            area=topic.area,
            comparator_ids=[a.pk for a in comparators],
        )
    )
    builder = FigureBuilder(values, topic.area, comparators)
    figures = {}
    for section, indicator in about:
        built = builder.build(indicator, section.breakdown_dimension)
        if built is not None:
            figures[section.pk] = built
    return values, figures


def page_section(section: Section, html: SafeString, figures: SectionFigures | None) -> PageSection:
    """A section with its narrative and, when its indicator has them, its figures and their
    downloads."""
    indicator = section.indicator
    if indicator is None or figures is None:
        return PageSection(
            anchor=section.anchor,
            heading=section.heading,
            html=html,
            indicator=indicator_facts(indicator) if indicator is not None else None,
        )
    links = values_download_links(
        indicator,
        areas=unique(v.area for v in figures.values),
        periods=unique(v.period for v in figures.values),
        breakdown=section.breakdown_dimension or "none",
    )
    return PageSection(
        anchor=section.anchor,
        heading=section.heading,
        html=html,
        indicator=indicator_facts(indicator),
        # The page says what "not tested" means once, above its sections (`untested_note`).
        figures=page_figures(
            figures, f"{section.anchor}-data", narrative=html, explain_untested=False
        ),
        downloads=tuple(Download(label, url) for label, url in links),
    )


def last_updated(
    topic: Topic, sections: list[Section], figures_updated: datetime.date | None
) -> datetime.date | None:
    """The later of the officer's date, the last narrative edit and the last change to the
    figures the page shows: never older than what the reader sees."""
    dates = [topic.last_updated] if topic.last_updated else []
    dates += [timezone.localdate(s.updated_at) for s in sections]
    if figures_updated is not None:
        dates.append(figures_updated)
    return max(dates, default=None)


@dataclass(frozen=True)
class BuiltSections:
    sections: tuple[PageSection, ...]
    figures_updated: datetime.date | None  # the last change to the figures they read
    shows: frozenset[str]  # what they show, as the page cache's tags
    untested: bool = False  # whether a comparison in them could not be tested


def latest_date(values: Iterable[Value]) -> datetime.date | None:
    return max((timezone.localdate(v.updated_at) for v in values), default=None)


def section_tags(section: Section, resolver: Resolver) -> set[str]:
    """What a section shows: its indicator, those its live figures name, the page's area
    and comparators (the topic's tag) and the reference data."""
    tags = {REFERENCE, tag("topic", section.topic_id)}
    if section.indicator_id:
        tags.add(tag("indicator", section.indicator_id))
    for reference in substitute(section.body)[1]:
        if reference.kind == "invalid":
            continue
        indicator = resolver.indicators.get(reference.indicator)
        # A reference to an indicator not (yet) there shows once it is made.
        tags.add(tag("indicator", indicator.pk) if indicator is not None else INDICATORS)
    return tags


def live_sections(
    topic: Topic, sections: list[Section], source: ValueQuerySet | None
) -> BuiltSections:
    """The sections built from the figures (one query for them all, and those the live
    figures in the narrative need)."""
    values, figures = section_figures(topic, sections, source)
    html, resolver = narrative_and_resolver(topic, sections, source)
    return BuiltSections(
        sections=tuple(
            page_section(section, section_html, figures.get(section.pk))
            for section, section_html in zip(sections, html, strict=True)
        ),
        figures_updated=latest_date(values),
        shows=frozenset(t for s in sections for t in section_tags(s, resolver)),
        untested=any(f.has_untested for f in figures.values()),
    )


def prebuilt_sections(topic: Topic, sections: list[Section]) -> BuiltSections:
    """The sections from their blocks kept in the database: two queries when they are up to
    date. Those that are not are read as `live_sections` reads them, for the template to
    build and keep (`{% prebuilt %}`)."""
    keys = {section.pk: f"topic-section:{section.pk}" for section in sections}
    slots = prebuilt.fetch(list(keys.values()))
    missing = [section for section in sections if slots[keys[section.pk]].html is None]
    values: list[Value] = []
    figures: dict[int, SectionFigures] = {}
    html: dict[int, SafeString] = {}
    resolver = Resolver(default_area=topic.area)
    if missing:
        values, figures = section_figures(topic, missing)
        narratives, resolver = narrative_and_resolver(topic, missing)
        html = {section.pk: text for section, text in zip(missing, narratives, strict=True)}
    built = []
    for section in sections:
        slot = slots[keys[section.pk]]
        if slot.html is None:
            updated = latest_date(v for v in values if v.indicator_id == section.indicator_id)
            slot.tags = tuple(sorted(section_tags(section, resolver)))
            slot.data = {
                "figures_updated": updated.isoformat() if updated else None,
                "untested": section.pk in figures and figures[section.pk].has_untested,
            }
            page = page_section(section, html[section.pk], figures.get(section.pk))
            built.append(replace(page, slot=slot))
        else:
            built.append(
                PageSection(
                    anchor=section.anchor,
                    heading=section.heading,
                    html=SafeString(),
                    indicator=indicator_facts(section.indicator) if section.indicator else None,
                    slot=slot,
                )
            )
    dates = [section.slot.data.get("figures_updated") for section in built if section.slot]
    return BuiltSections(
        sections=tuple(built),
        figures_updated=max((datetime.date.fromisoformat(d) for d in dates if d), default=None),
        shows=frozenset(t for section in built if section.slot for t in section.slot.tags),
        untested=any(section.slot.data.get("untested") for section in built if section.slot),
    )


def draft_notice(draft: Topic, published: Topic | None) -> DraftNotice:
    """The banner's words about `draft`, a draft of `published` (None: of no published page)."""
    return DraftNotice(
        status=draft.get_status_display(),
        edit_url=reverse("admin:pages_topic_change", args=[draft.pk]),
        published_url=published.get_absolute_url() if published is not None else "",
    )
