"""The officers' start page at /admin/ (pages.dashboard): what each user finds waiting for
them, with counts and links, in a fixed number of queries however much there is."""

from __future__ import annotations

import datetime
from decimal import Decimal
from itertools import count

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.formatting import day_and_time, long_date
from indicators.models import DefinitionChange, ImportBatch, ImportChange, Value
from indicators.releases import schedule_release
from pages import workflow
from pages.dashboard import start_page
from pages.models import Section, Status, Topic
from pages.review import build_review
from pages.services import PUBLISHER, create_officer
from tests.factories import (
    PRESTON,
    TEAM,
    SectionFactory,
    TopicFactory,
    build_child_protection,
)

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
NOTE = "Please say which year the rate is for."
# {{referrals-rate | area=Preston}}: Preston has no referral figures, so it cannot be shown.
BROKEN = "Referrals in Preston: {{referrals-rate | area=Preston}}."
GOOD = "Referrals: {{referrals-rate | period=2012/13}}."
_numbers = count(1)


@pytest.fixture
def site(db):
    """The small Lancashire with the Child protection page, which the team looks after."""
    return build_child_protection(["about", "referrals", "district-rates"])


@pytest.fixture
def olivia(site) -> User:
    """An officer of the team that looks after the Child protection page."""
    return create_officer(username="olivia", password=PASSWORD, team=TEAM)[0]


@pytest.fixture
def bryn(site) -> User:
    """An officer of no team."""
    return create_officer(username="bryn", password=PASSWORD)[0]


@pytest.fixture
def petra(site) -> User:
    return create_officer(username="petra", password=PASSWORD, role=PUBLISHER)[0]


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(client: Client) -> str:
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.content.decode()


def new_page(site, *, owner: User | None = None, team=None, title: str = "", body: str = ""):
    """A new draft page under the Child protection page's parent, with a section."""
    n = next(_numbers)
    topic = TopicFactory(
        title=title or f"New page {n}",
        slug=f"new-page-{n:04d}",  # in the order made, however many came before
        parent=site.page.parent,
        status=Status.DRAFT,
        owner=owner,
        team=team,
        area=site.page.area,
    )
    SectionFactory(topic=topic, heading=f"Heading {n}", anchor=f"heading-{n}", body=body or "Text.")
    return topic


def staged_import(by: User, *, indicator=None, site=None, **fields) -> ImportBatch:
    """An import's record (as the importer leaves it), with one figure it set if asked."""
    batch = ImportBatch.objects.create(
        file_name=fields.pop("file_name", f"figures-{next(_numbers)}.csv"),
        file_format="template",
        imported_by=by,
        release=fields.pop("release", ImportBatch.Release.STAGED),
        rows_added=fields.pop("rows_added", 3),
        rows_changed=fields.pop("rows_changed", 1),
        **fields,
    )
    if indicator is not None:
        value = Value.objects.filter(indicator=indicator).first()
        ImportChange.objects.create(
            batch=batch,
            value=value,
            indicator=indicator,
            area=value.area,
            period=value.period,
            action=ImportChange.Action.CREATED,
            row_number=2,
        )
    return batch


def team_of(site):
    return site.page.team


# --- An officer's start page ----------------------------------------------------------------


def test_the_start_page_is_the_admins_index_and_keeps_every_list(site, olivia):
    client = client_for(olivia)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "start" in response.context
    page = response.content.decode()
    assert "<h1>Your work</h1>" in page
    assert "All data and pages" in page
    assert f'href="{reverse("admin:pages_topic_changelist")}"' in page
    assert f'href="{reverse("admin:indicators_value_changelist")}"' in page
    assert 'href="#all-lists"' in page


def test_someone_not_logged_in_is_sent_to_log_in(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_an_officer_sees_their_drafts_returned_drafts_and_pages_in_review(
    site, olivia, bryn, petra
):
    team = team_of(site)
    draft = workflow.start_draft(site.page, olivia)  # changes to the published page
    returned = new_page(site, team=team, title="Looked after children")
    workflow.submit_for_review(returned, olivia)
    workflow.return_to_draft(returned, petra, NOTE)
    in_review = new_page(site, owner=olivia, title="Care leavers")
    workflow.submit_for_review(in_review, olivia)
    new_page(site, owner=bryn, title="Bryn's own page")  # not hers

    found = start_page(olivia)
    returned_list, drafts, reviews, _due = found.my_pages.lists
    assert [(i.title, i.who, i.note) for i in returned_list.items] == [
        ("Looked after children", "petra", NOTE)
    ]
    assert [(i.title, i.about) for i in drafts.items] == [
        ("Child protection", "Changes to the published page")
    ]
    assert [(i.title, i.who) for i in reviews.items] == [("Care leavers", "olivia")]
    assert (returned_list.total, drafts.total, reviews.total) == (1, 1, 1)
    assert found.approval is None

    page = html(client_for(olivia))
    assert "Looked after children" in page and NOTE in page
    assert reverse("admin:pages_topic_change", args=[draft.pk]) in page
    assert "Bryn&#x27;s own page" not in page and "Bryn's own page" not in page
    assert "Awaiting my approval" not in page


def test_another_officer_sees_none_of_it(site, olivia, bryn, petra):
    workflow.start_draft(site.page, olivia)
    workflow.submit_for_review(new_page(site, team=team_of(site), title="Care leavers"), olivia)
    mine = new_page(site, owner=bryn, title="Bryn's own page")

    found = start_page(bryn)
    returned_list, drafts, reviews, due = found.my_pages.lists
    assert [i.title for i in drafts.items] == ["Bryn's own page"]
    assert returned_list.total == reviews.total == due.total == 0
    assert found.my_pages.count == 1
    page = html(client_for(bryn))
    assert "Child protection" not in page.split('id="all-lists"')[0]
    assert "Care leavers" not in page
    assert reverse("admin:pages_topic_change", args=[mine.pk]) in page


def test_a_draft_sent_back_for_figures_to_go_out_with_it_counts_as_returned(site, olivia, petra):
    batch = staged_import(petra)
    draft = workflow.start_draft(site.page, petra)
    draft.release_with.add(batch)

    returned_list, drafts, _reviews, _due = start_page(olivia).my_pages.lists
    assert [i.title for i in returned_list.items] == ["Child protection"]
    assert "released when this draft is published" in returned_list.items[0].note
    assert drafts.total == 0


def test_my_pages_list_reviews_due_within_four_weeks_overdue_first(site, olivia):
    today = datetime.date(2026, 3, 2)
    Topic.objects.filter(pk=site.page.pk).update(review_due=datetime.date(2026, 2, 1))
    soon = TopicFactory(title="Due soon", slug="due-soon", team=team_of(site))
    Topic.objects.filter(pk=soon.pk).update(review_due=datetime.date(2026, 3, 20))
    later = TopicFactory(title="Due later", slug="due-later", team=team_of(site))
    Topic.objects.filter(pk=later.pk).update(review_due=datetime.date(2026, 6, 1))

    due = start_page(olivia, today=today).my_pages.lists[3]
    assert [(i.title, i.about, i.when) for i in due.items] == [
        ("Child protection", "Overdue", datetime.date(2026, 2, 1)),
        ("Due soon", "Due soon", datetime.date(2026, 3, 20)),
    ]
    assert due.items[0].overdue and not due.items[1].overdue


def test_review_dates_are_written_as_the_site_writes_dates(site, olivia):
    page = html(client_for(olivia))
    review_due = Topic.objects.get(pk=site.page.pk).review_due
    assert long_date(review_due) in page  # “19 March 2015”: the demo page's review is overdue
    assert '<time datetime="2015-03-19">' in page


# --- A publisher's start page -----------------------------------------------------------------


def test_a_publisher_sees_drafts_sent_for_review_with_who_sent_them_and_when(site, olivia, petra):
    draft = workflow.start_draft(site.page, olivia)
    workflow.submit_for_review(draft, olivia)
    sent = Topic.history.get(id=draft.pk, history_change_reason="Sent for review").history_date
    still_a_draft = new_page(site, team=team_of(site), title="Not sent yet")

    awaiting = start_page(petra).approval
    assert awaiting is not None
    reviews = awaiting.lists[0]
    assert reviews.title == "Drafts sent for review"
    assert [(i.title, i.who, i.when, i.about) for i in reviews.items] == [
        ("Child protection", "olivia", sent, "Changes to the published page")
    ]
    page = html(client_for(petra))
    assert "Awaiting my approval" in page
    assert day_and_time(sent) in page
    assert reverse("admin:pages_topic_change", args=[draft.pk]) in page
    assert reverse("admin:pages_topic_change", args=[still_a_draft.pk]) not in page


def test_a_publisher_sees_staged_imports_and_what_is_scheduled(site, olivia, petra):
    staged = staged_import(olivia, file_name="referrals-2013.csv")
    released = staged_import(olivia, release=ImportBatch.Release.PUBLISHED)
    to_schedule = staged_import(olivia, file_name="plans.csv")
    release_at = timezone.now() + datetime.timedelta(days=3)
    schedule_release(to_schedule, release_at, user=petra)
    page = new_page(site, team=team_of(site), title="Scheduled page")
    publish_at = timezone.now() + datetime.timedelta(days=1)
    workflow.schedule(page, petra, publish_at)

    staged_list, scheduled = start_page(petra).approval.lists[1:3]
    assert [(i.title, i.who, i.url) for i in staged_list.items] == [
        (
            f"Import #{staged.pk}: referrals-2013.csv",
            "olivia",
            reverse("admin:pages_topic_release", args=[staged.pk]),
        )
    ]
    assert [(i.title, i.who, i.when) for i in scheduled.items] == [
        ("Scheduled page", "petra", publish_at),
        (f"Import #{to_schedule.pk}: plans.csv", "petra", release_at),
    ]
    assert scheduled.total == 2
    assert staged_list.total == 1  # not the released import, nor the scheduled one
    awaiting = html(client_for(petra)).split('id="awaiting-approval"')[1].split('id="my-pages"')[0]
    assert "referrals-2013.csv" in awaiting and released.file_name not in awaiting


def test_a_publisher_sees_changes_to_indicator_definitions(site, olivia, petra):
    indicator = site.indicators["referrals-rate"]
    DefinitionChange.objects.create(
        indicator=indicator,
        previous={"name": indicator.name},
        proposed={"name": "Referrals per 10,000 children"},
        proposed_by=olivia,
    )
    definitions = start_page(petra).approval.lists[3]
    assert [(i.title, i.about, i.who) for i in definitions.items] == [
        (indicator.name, "Name", "olivia")
    ]


def test_a_scheduled_draft_says_when_it_goes_out(site, olivia, petra):
    page = new_page(site, team=team_of(site), title="Young carers")
    when = timezone.now() + datetime.timedelta(days=1)
    workflow.schedule(page, petra, when)
    drafts = start_page(olivia).my_pages.lists[1]
    assert [(i.title, i.about) for i in drafts.items] == [
        ("Young carers", f"New page; to be published on {day_and_time(when)}")
    ]


def test_a_panel_with_nothing_in_it_says_so_in_a_sentence(site, petra):
    page = html(client_for(petra))
    assert "None of your pages needs you now" in page
    assert "Nothing is waiting for your approval." in page
    assert "Returned to you" not in page


def test_counts_are_of_everything_and_the_lists_show_the_first(site, olivia, petra):
    for n in range(10):
        workflow.submit_for_review(new_page(site, team=team_of(site), title=f"Page {n}"), olivia)
    found = start_page(petra)
    reviews = found.approval.lists[0]
    assert reviews.total == 10 and len(reviews.items) == 8 and reviews.more == 2
    assert found.approval.count == 10
    mine = start_page(olivia).my_pages.lists[2]
    assert mine.total == 10 and len(mine.items) == 8
    page = html(client_for(petra))
    assert 'href="#awaiting-approval"><span class="start-count">10</span>' in page
    assert "See all 10" in page
    assert f"{reverse('admin:pages_topic_changelist')}?status__exact=review" in page


# --- Recent imports -------------------------------------------------------------------------


def test_an_officer_sees_their_imports_and_those_of_figures_on_their_pages(
    site, olivia, bryn, petra
):
    own = staged_import(olivia)
    for_her_page = staged_import(petra, indicator=site.indicators["referrals-rate"])
    unrelated = staged_import(bryn)
    rejected = staged_import(
        olivia,
        status=ImportBatch.Status.REJECTED,
        release=ImportBatch.Release.PUBLISHED,
        rows_added=0,
        rows_rejected=4,
        notes="4 rows have problems, so nothing was changed.\nRow 2: no such area.",
    )

    imports = start_page(olivia).imports
    assert [row.batch for row in imports.items] == [rejected, for_her_page, own]
    assert imports.items[0].problem == "4 rows have problems, so nothing was changed."
    assert imports.items[1].release_url == reverse(
        "admin:pages_topic_release", args=[for_her_page.pk]
    )
    assert unrelated in [row.batch for row in start_page(petra).imports.items]
    assert start_page(petra).imports.total == 4

    page = html(client_for(olivia))
    assert reverse("admin:indicators_importbatch_change", args=[own.pk]) in page
    assert reverse("admin:indicators_importbatch_change", args=[unrelated.pk]) not in page
    assert "Rejected (nothing changed)" in page


# --- Broken live figures ----------------------------------------------------------------------


def test_broken_live_figures_on_published_pages_and_drafts(site, olivia, bryn):
    referrals = Section.objects.get(topic=site.page, anchor="referrals")
    referrals.body = f"{GOOD} {BROKEN}"
    referrals.save()
    typo = new_page(site, team=team_of(site), title="Draft with a typo", body="{{no-such-thing}}")
    new_page(site, team=team_of(site), title="Unreadable", body="{{a | b}}")
    theirs = new_page(site, owner=bryn, title="Bryn's page", body=BROKEN)

    broken = start_page(olivia).broken
    assert [(b.topic.title, b.reference) for b in broken.items] == [
        ("Child protection", "{{referrals-rate | area=Preston}}"),
        ("Draft with a typo", "{{no-such-thing}}"),
        ("Unreadable", "{{a | b}}"),
    ]
    assert broken.items[1].reason == "There is no indicator “no-such-thing”."
    assert "is not an option" in broken.items[2].reason
    assert broken.items[0].url == reverse("admin:pages_topic_change", args=[site.page.pk])
    assert broken.items[1].url == reverse("admin:pages_topic_change", args=[typo.pk])
    assert [b.topic for b in start_page(bryn).broken.items] == [theirs]

    page = html(client_for(olivia))
    assert "{{referrals-rate | area=Preston}}" in page
    assert "{{referrals-rate | period=2012/13}}" not in page.split('id="broken-figures"')[1]


def test_broken_live_figures_are_those_the_review_page_finds(site, olivia):
    """The start page resolves every page's references at once; the review page each page's
    by itself. They find the same, on pages about different areas."""
    referrals = Section.objects.get(topic=site.page, anchor="referrals")
    referrals.body = f"{GOOD} {BROKEN} {{{{trend referrals-rate}}}}"
    referrals.save()
    about_preston = new_page(
        site,
        team=team_of(site),
        body="{{referrals-rate}} and {{rank cpp-rate | period=2013-03-31}} and "
        "{{compare referrals-rate | with=England}}",
    )
    about_preston.area = site.areas[PRESTON]
    about_preston.save()
    no_area = new_page(site, team=team_of(site), body="{{referrals-rate}}")
    no_area.area = None
    no_area.save()

    expected = build_review(
        Topic.objects.filter(pk__in=[site.page.pk, about_preston.pk, no_area.pk])
    )
    found = start_page(olivia).broken
    assert sorted((b.topic.pk, b.reference) for b in found.items) == sorted(
        (section.topic_id, f"{{{{{text}}}}}") for section, text in expected.broken_references
    )
    # Preston's referrals, on the Child protection page and in both references on the page about
    # Preston (its rank among the districts is shown), and the page with no area.
    assert [(b.topic, b.reference) for b in found.items] == [
        (site.page, "{{referrals-rate | area=Preston}}"),
        (about_preston, "{{referrals-rate}}"),
        (about_preston, "{{compare referrals-rate | with=England}}"),
        (no_area, "{{referrals-rate}}"),
    ]
    assert found.items[3].reason.startswith("This page has no area")


# --- Queries ----------------------------------------------------------------------------------


def add_work(site, olivia: User, petra: User, bryn: User, n: int) -> None:
    """One more of everything the start page lists, on a page about area number `n`."""
    team = team_of(site)
    areas = list(site.areas.values())
    in_review = new_page(site, team=team, body=BROKEN)
    in_review.area = areas[n % len(areas)]
    in_review.save()
    workflow.submit_for_review(in_review, olivia)
    returned = new_page(site, team=team, body="{{rank cpp-rate}}")
    workflow.submit_for_review(returned, olivia)
    workflow.return_to_draft(returned, petra, NOTE)
    new_page(site, owner=olivia, body="{{no-such-thing}}")
    new_page(site, owner=bryn, body=BROKEN)
    scheduled = new_page(site, team=team)
    workflow.schedule(scheduled, petra, timezone.now() + datetime.timedelta(days=n + 1))
    staged_import(olivia, indicator=site.indicators["referrals-rate"])
    schedule_release(
        staged_import(bryn), timezone.now() + datetime.timedelta(days=n + 2), user=petra
    )
    DefinitionChange.objects.create(
        indicator=site.indicators["referrals-rate"],
        previous={"decimal_places": "1"},
        proposed={"decimal_places": str(n)},
        proposed_by=olivia,
    )
    Topic.objects.filter(pk=returned.pk).update(review_due=datetime.date(2020, 1, n + 1))
    TopicFactory(
        title=f"Published {n}",
        slug=f"published-{n}",
        team=team,
        review_due=datetime.date(2020, 1, 1),
    )
    Value.objects.filter(indicator__slug="referrals-rate").update(value=Decimal(500 + n))


def queries(user: User) -> list[str]:
    client = client_for(user)
    client.get(reverse("admin:index"))  # the first request reads what is cached after it
    with CaptureQueriesContext(connection) as captured:
        page = html(client)
    assert "Your work" in page
    return [query["sql"] for query in captured.captured_queries]


# A publisher's page: the session and the user (2); their permissions (2); awaiting approval:
# drafts in review, staged imports, scheduled pages, scheduled releases and who scheduled them
# (the audit log), definition changes (6); my pages: drafts and pages in review, reviews due (2);
# recent imports (1), the runs that made them (1) and the user's imports still running (1);
# broken live figures: the sections, then the indicators, areas, figures and periods they
# name, and the figures of the areas ranked against (6; one more where a reference names a
# breakdown); the people the lists name (1).
PUBLISHER_QUERIES = 22
# An officer's: no approval panel (6 fewer).
OFFICER_QUERIES = 16


def test_the_number_of_queries_is_fixed_as_the_work_grows(
    site, olivia, bryn, petra, django_assert_num_queries
):
    add_work(site, olivia, petra, bryn, 1)
    few = {"petra": len(queries(petra)), "olivia": len(queries(olivia))}
    for n in range(2, 7):
        add_work(site, olivia, petra, bryn, n)
    many = {"petra": len(queries(petra)), "olivia": len(queries(olivia))}

    assert few == many == {"petra": PUBLISHER_QUERIES, "olivia": OFFICER_QUERIES}
    found = start_page(petra)
    assert found.approval.lists[0].total == 6  # drafts in review: there is more to list
    assert found.broken.total >= 12
    client = client_for(petra)
    client.get(reverse("admin:index"))
    with django_assert_num_queries(PUBLISHER_QUERIES):
        client.get(reverse("admin:index"))


def test_the_start_page_shows_the_officers_imports_still_running(site, olivia):
    """An import the task worker has yet to finish is listed with its progress, linking to
    the page that follows it; another officer's is not."""
    from indicators.models import ImportRun

    running = ImportRun.objects.create(
        user=olivia,
        upload="a" * 64,
        file_name="national.csv",
        state=ImportRun.State.RUNNING,
        rows_read=500,
        rows_expected=2_000,
    )
    ImportRun.objects.create(
        user=olivia, upload="b" * 64, file_name="done.csv", state=ImportRun.State.DONE
    )
    client = Client()
    client.force_login(olivia)
    html = client.get("/admin/").content.decode()
    assert f'href="/admin/indicators/value/import/run/{running.pk}/"' in html
    assert "Checking “national.csv”" in html and "running, 25%" in html
    assert "done.csv" not in html


def test_recent_imports_say_how_far_each_has_got_or_when_it_finished(site, olivia, petra):
    """The Recent imports table's Progress column: a running import's percentage (linking to
    the page that follows it, for the officer who started it), when a finished one was
    staged, and why one failed."""
    from indicators.models import ImportRun

    applied = datetime.datetime(2026, 3, 1, 10, 2, tzinfo=datetime.UTC)
    finished = staged_import(olivia, file_name="done.csv", file_hash="d" * 64, applied_at=applied)
    ImportRun.objects.create(
        user=olivia,
        upload="d" * 64,
        file_name="done.csv",
        state=ImportRun.State.DONE,
        dry_run=False,
        batch=finished,
    )
    today = staged_import(olivia)
    rejected = staged_import(
        olivia,
        status=ImportBatch.Status.REJECTED,
        release=ImportBatch.Release.PUBLISHED,
        notes="4 rows have problems, so nothing was changed.\nRow 2: no such area.",
    )
    run = ImportRun.objects.create(
        user=olivia,
        upload="c" * 64,
        file_name="national.csv",
        state=ImportRun.State.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        rows_read=900,
        rows_expected=2_000,
    )
    checking = staged_import(
        olivia, file_name="national.csv", file_hash="c" * 64, status=ImportBatch.Status.RUNNING
    )

    rows = {row.batch: row for row in start_page(olivia).imports.items}
    assert rows[checking].progress == "Checking: 45%" and rows[checking].running
    assert rows[checking].progress_url == reverse(
        "admin:indicators_value_import_run", args=[run.pk]
    )
    assert rows[finished].progress == f"Staged {day_and_time(applied)}"
    assert "1 March 2026" in rows[finished].progress and "10:02" in rows[finished].progress
    # Not applied yet (as a test writes it): when it was imported.
    assert rows[today].progress == f"Staged {day_and_time(today.imported_at)}"
    assert rows[rejected].progress == "Failed: 4 rows have problems, so nothing was changed."
    page = html(client_for(olivia))
    assert '<th scope="col" class="start-progress">Progress</th>' in page
    assert f'<a href="/admin/indicators/value/import/run/{run.pk}/">Checking: 45%</a>' in page
    assert f"Staged {day_and_time(applied)}" in page
    # Another person sees how far it has got, without the link to the officer's own page.
    other = {row.batch: row for row in start_page(petra).imports.items}
    assert other[checking].progress == "Checking: 45%" and not other[checking].progress_url


def test_an_import_whose_worker_stopped_is_listed_as_failed(site, olivia):
    """A run whose worker stopped (no heartbeat for long) is failed, saying why, until the
    officer opens it; one waiting for a busy worker is left alone."""
    from indicators import tasks
    from indicators.models import ImportRun

    long_ago = timezone.now() - tasks.STOPPED_AFTER - datetime.timedelta(minutes=1)
    stopped = ImportRun.objects.create(
        user=olivia,
        upload="a" * 64,
        file_name="national.csv",
        state=ImportRun.State.RUNNING,
        started_at=long_ago,
        heartbeat_at=long_ago,
        rows_read=600,
        rows_expected=2_000,
    )
    waiting = ImportRun.objects.create(user=olivia, upload="b" * 64, file_name="next.csv")
    ImportRun.objects.filter(pk=waiting.pk).update(created_at=long_ago)

    page = html(client_for(olivia))

    stopped.refresh_from_db()
    waiting.refresh_from_db()
    assert stopped.state == ImportRun.State.FAILED and stopped.error == tasks.WORKER_STOPPED
    assert waiting.state == ImportRun.State.QUEUED
    assert f'href="/admin/indicators/value/import/run/{stopped.pk}/"' in page
    assert "failed (nothing changed)</span>: The task worker stopped before this import" in page
    assert "Checking “next.csv”</a>:\n" in page and "waiting to start" in page
    client = client_for(olivia)
    client.get(reverse("admin:indicators_value_import_run", args=[stopped.pk]))
    assert f"/import/run/{stopped.pk}/" not in html(client)  # opened: no longer listed
