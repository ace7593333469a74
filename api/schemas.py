"""The shapes of the API's answers, as the OpenAPI document describes them (ninja builds the
document from these pydantic models and checks every answer against them)."""

from __future__ import annotations

import datetime

from ninja import Field, Schema


class Problem(Schema):
    """An error, as RFC 9457 problem details."""

    type: str = Field(description="Where the docs explain this kind of problem.")
    title: str
    status: int
    detail: str = Field(description="What went wrong, in words.")
    instance: str | None = Field(None, description="The address asked for.")
    errors: list[dict] | None = Field(
        None, description="For a 400: each parameter that is wrong, and why."
    )


class Link(Schema):
    href: str


class IndicatorOut(Schema):
    id: int
    slug: str
    name: str
    definition: str
    unit: str = Field(description="count, percentage, rate, ratio or mean.")
    unit_label: str = Field(description="The unit in words, as the site shows it.")
    multiplier: int = Field(description="For a rate, the population it is per (e.g. 10000).")
    population: str
    decimal_places: int
    polarity: str = Field(description="low (a low value is better), high, or none.")
    polarity_sentence: str
    is_projection: bool
    source: str
    source_url: str
    methodology: str
    fingertips_id: int | None
    url: str = Field(description="The indicator's page on the site.")
    values: str = Field(description="Its figures in this API.")


class AreaChangeOut(Schema):
    code: str
    name: str
    kind: str = Field(description="recoded, renamed, merged, split or abolished.")
    year: int
    date: datetime.date | None
    confirmed: bool = Field(description="False where the sources disagree: shown, not applied.")


class AreaOut(Schema):
    id: int
    code: str = Field(description="The ONS GSS code.")
    name: str
    short_name: str
    type: str = Field(description="country, region, county, unitary, district, grouping, other.")
    is_current: bool = Field(description="False for a former area (see successors).")
    parent: str | None = Field(description="The code of the area it rolls up to.")
    ancestors: list[str] = Field(description="Codes of the areas above it, nearest first.")
    groupings: list[str] = Field(description="Codes of the ONS statistical groupings it is in.")
    comparator_groups: list[str] = Field(description="Named groups it is compared with.")
    successors: list[AreaChangeOut]
    predecessors: list[AreaChangeOut]
    url: str


class PeriodOut(Schema):
    id: int
    code: str
    label: str
    kind: str
    start_date: datetime.date
    end_date: datetime.date


class BreakdownOut(Schema):
    id: int
    dimension: str = Field(description="age, sex, ethnicity, deprivation or other.")
    label: str
    scheme: str = Field(description="The set of categories the label belongs to, if several.")
    full_label: str
    sort_order: int


class AuthorOut(Schema):
    name: str
    job_title: str
    email: str
    phone: str


class SectionOut(Schema):
    anchor: str
    heading: str
    indicator: str | None = Field(description="The slug of the indicator it is about.")


class TopicOut(Schema):
    id: int
    title: str
    path: str
    url: str
    parent: str | None = Field(description="The path of the page above it.")
    summary: str
    keywords: list[str]
    area: str | None = Field(description="The code of the area the page is about.")
    indicators: list[str] = Field(description="Slugs of the indicators its sections show.")
    indicator_ids: list[int]
    sections: list[SectionOut]
    author: AuthorOut | None
    last_updated: datetime.date | None = Field(description="As the page shows it.")


class BreakdownRef(Schema):
    id: int
    dimension: str
    label: str
    scheme: str


class ValueOut(Schema):
    id: int
    indicator: str = Field(description="The indicator's slug.")
    area: str = Field(description="The area's GSS code.")
    area_name: str
    period: str = Field(description="The period's code.")
    period_label: str
    breakdown: BreakdownRef | None = Field(description="None: the whole population.")
    value: float | None = Field(description="To the indicator's decimal places; null if none.")
    status: str = Field(
        description="available, suppressed (also every figure withheld for small numbers, "
        "shown as “c” on the site), not_available or not_applicable."
    )
    status_label: str
    count: float | None
    denominator: float | None
    lower_ci_95: float | None
    upper_ci_95: float | None
    note: str
    illustrative: bool = Field(description="A synthetic figure, marked “illustrative” on the site.")
    revised_on: datetime.date | None = Field(description="The day a release revised it (“r”).")
    previous_value: float | None = Field(description="What a revised figure was.")
    previous_status: str | None = Field(description="The revised figure's earlier status.")
    release: int | None = Field(
        description="The import that last set this figure (its release is in /changes)."
    )
    released_on: datetime.date | None = Field(
        description="The day that import's figures were released; null if it had no release."
    )


class ReleaseIndicatorOut(Schema):
    indicator: str
    name: str
    added: int = Field(description="Figures added.")
    revised: int = Field(description="Figures revised.")
    corrected: bool
    new_periods: list[str] = Field(description="Periods the indicator had no figures for before.")


class ReleaseOut(Schema):
    id: int
    released_at: datetime.datetime
    release_date: datetime.date
    note: str
    correction_notice: str
    corrects: int | None = Field(description="The release this one corrects, if any.")
    indicators: list[ReleaseIndicatorOut]


class Page(Schema):
    next: str | None = Field(description="The next page's address; null on the last page.")


class IndicatorPage(Page):
    data: list[IndicatorOut]


class AreaPage(Page):
    data: list[AreaOut]


class PeriodPage(Page):
    data: list[PeriodOut]


class BreakdownPage(Page):
    data: list[BreakdownOut]


class TopicPage(Page):
    data: list[TopicOut]


class ValuePage(Page):
    data: list[ValueOut]


class ReleasePage(Page):
    data: list[ReleaseOut]


class Index(Schema):
    title: str
    version: str
    docs: str
    openapi: str
    endpoints: dict[str, str]
