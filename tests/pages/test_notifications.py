"""Emails about the workflow (pages.notifications): to the publishers when a draft is sent for
review, to the officer who sent it when it is returned or published, each with the absolute link
to the work, sent once the step's transaction commits; and the email settings."""

from __future__ import annotations

import datetime
import io
import os
import smtplib
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from indicators.importing import import_values
from indicators.models import ImportBatch
from pages import notifications, workflow
from pages.models import Status, Team, Topic
from pages.services import ADMINISTRATOR, PUBLISHER, create_officer
from tests.factories import AreaFactory, IndicatorFactory, SectionFactory, TopicFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-long-test-password"
SITE_URL = "https://jsna.example.gov.uk"
TEAM = "Adult health intelligence"
NOTE = "Please say which year the prevalence is for."


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def team(db) -> Team:
    return Team.objects.create(name=TEAM)


@pytest.fixture
def olivia(team) -> User:
    """The officer of the team, who sends the pages for review."""
    return create_officer(username="olivia", email="olivia@example.gov.uk", team=TEAM)[0]


@pytest.fixture
def publishers(db) -> dict[str, User]:
    """Two publishers and an administrator with email addresses; a publisher without one; a
    publisher whose account is switched off."""
    people = {
        "petra": create_officer(username="petra", email="petra@example.gov.uk", role=PUBLISHER),
        "paul": create_officer(username="paul", email="paul@example.gov.uk", role=PUBLISHER),
        "ada": create_officer(username="ada", email="ada@example.gov.uk", role=ADMINISTRATOR),
        "noemail": create_officer(username="noemail", role=PUBLISHER),
        "gone": create_officer(username="gone", email="gone@example.gov.uk", role=PUBLISHER),
    }
    users = {name: user for name, (user, _) in people.items()}
    users["gone"].is_active = False
    users["gone"].save()
    return users


@pytest.fixture
def page(team) -> Topic:
    """A published page the team looks after."""
    health = TopicFactory(title="Health", slug="health")
    smoking = TopicFactory(title="Smoking", slug="smoking", parent=health, team=team)
    SectionFactory(topic=smoking, heading="Prevalence", anchor="prevalence", body="Text.")
    return smoking


@pytest.fixture
def draft(page, olivia) -> Topic:
    """Olivia's draft of changes to the page."""
    return workflow.start_draft(page, olivia)


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def admin_link(topic: Topic) -> str:
    return SITE_URL + reverse("admin:pages_topic_change", args=[topic.pk])


# --- Sent for review --------------------------------------------------------------------------


def test_sending_a_draft_for_review_tells_every_publisher(
    draft, olivia, publishers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_for_review(draft, olivia)

    # Each publisher and the administrator, by name; not the officer, not the publisher with
    # no address (and no error for them), not the one whose account is off.
    assert recipients() == ["ada@example.gov.uk", "paul@example.gov.uk", "petra@example.gov.uk"]
    assert all(len(message.to) == 1 for message in mail.outbox)  # nobody sees the others
    message = mail.outbox[0]
    assert message.subject == "Sent for review: Smoking (Lancashire JSNA)"
    assert admin_link(draft) in message.body
    assert "olivia sent “Smoking” for review on " in message.body
    assert "draft of changes to the published page" in message.body
    assert f"{SITE_URL}/health/smoking/?draft=1" in message.body
    assert "&#x27;" not in message.body and "&quot;" not in message.body


def test_the_email_goes_only_when_the_step_is_committed(
    draft, olivia, publishers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.submit_for_review(draft, olivia)
        assert mail.outbox == []
    assert mail.outbox == []  # nothing yet: the transaction has not committed
    for callback in callbacks:  # the commit
        callback()
    assert len(mail.outbox) == 3


def test_no_email_for_a_step_that_is_rolled_back(
    draft, olivia, publishers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            workflow.submit_for_review(draft, olivia)
            raise RuntimeError("something after it failed")
    assert callbacks == []
    assert mail.outbox == []
    assert Topic.objects.get(pk=draft.pk).status == Status.DRAFT


def test_a_publisher_who_sends_a_draft_for_review_is_not_told_of_it(
    draft, publishers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_for_review(draft, publishers["petra"])
    assert recipients() == ["ada@example.gov.uk", "paul@example.gov.uk"]
    assert "petra sent “Smoking”" in mail.outbox[0].body


def test_the_link_follows_the_site_url_setting(
    settings, draft, olivia, publishers, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://jsna.lancashire.gov.uk/"
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_for_review(draft, olivia)
    link = "https://jsna.lancashire.gov.uk" + reverse("admin:pages_topic_change", args=[draft.pk])
    assert f"{link}\n" in mail.outbox[0].body


# --- Returned and published ---------------------------------------------------------------------


def test_returning_a_draft_tells_the_officer_who_sent_it_with_the_note(
    draft, olivia, publishers, django_capture_on_commit_callbacks
):
    workflow.submit_for_review(draft, olivia)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.return_to_draft(draft, publishers["petra"], NOTE)

    assert recipients() == ["olivia@example.gov.uk"]
    message = mail.outbox[0]
    assert message.subject == "Returned to you: Smoking (Lancashire JSNA)"
    assert "petra returned “Smoking” to draft on " in message.body
    assert NOTE in message.body
    assert admin_link(draft) in message.body


def test_a_long_note_is_sent_whole_and_kept_short_in_the_history(
    draft, olivia, publishers, django_capture_on_commit_callbacks
):
    note = "Please check the figures. " * 10
    workflow.submit_for_review(draft, olivia)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.return_to_draft(draft, publishers["petra"], note.strip())
    assert note.strip() in mail.outbox[0].body
    reason = Topic.history.filter(id=draft.pk).latest("history_date").history_change_reason
    assert len(reason) == workflow.REASON_LENGTH and reason.endswith("…")
    assert reason.startswith("Returned to draft: Please check the figures.")


def test_an_officer_without_an_email_address_is_skipped(
    draft, olivia, publishers, django_capture_on_commit_callbacks
):
    olivia.email = ""
    olivia.save()
    workflow.submit_for_review(draft, olivia)
    with django_capture_on_commit_callbacks(execute=True):
        returned = workflow.return_to_draft(draft, publishers["petra"], NOTE)
    assert returned.status == Status.DRAFT
    assert mail.outbox == []


def test_publishing_a_draft_tells_the_officer_who_sent_it_with_the_public_link(
    page, draft, olivia, publishers, django_capture_on_commit_callbacks
):
    workflow.submit_for_review(draft, olivia)
    with django_capture_on_commit_callbacks(execute=True):
        published = workflow.publish(draft, publishers["petra"])

    assert published.pk == page.pk  # the draft went onto the published page
    assert recipients() == ["olivia@example.gov.uk"]
    message = mail.outbox[0]
    assert message.subject == "Published: Smoking (Lancashire JSNA)"
    assert "by petra." in message.body
    assert f"{SITE_URL}/health/smoking/\n" in message.body  # the public page, not the draft
    assert admin_link(page) in message.body


def test_a_page_published_without_review_tells_its_owner(
    page, publishers, django_capture_on_commit_callbacks
):
    owner = create_officer(username="owen", email="owen@example.gov.uk")[0]
    new = TopicFactory(
        title="Vaping", slug="vaping", parent=page.parent, status=Status.DRAFT, owner=owner
    )
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(new, publishers["petra"])
    assert recipients() == ["owen@example.gov.uk"]


def test_a_publisher_publishing_their_own_draft_is_not_told(
    draft, publishers, django_capture_on_commit_callbacks
):
    workflow.submit_for_review(draft, publishers["petra"])
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(draft, publishers["petra"])
    assert mail.outbox == []


def test_a_scheduled_publication_tells_the_officer_when_it_goes_out(
    draft, olivia, publishers, django_capture_on_commit_callbacks
):
    workflow.submit_for_review(draft, olivia)
    when = timezone.now() + datetime.timedelta(hours=1)
    workflow.schedule(draft, publishers["petra"], when)
    with django_capture_on_commit_callbacks(execute=True):
        published = workflow.publish_due(when + datetime.timedelta(minutes=1))
    assert [p.title for p in published] == ["Smoking"]
    assert recipients() == ["olivia@example.gov.uk"]
    assert "as petra scheduled it." in mail.outbox[0].body


# --- Through the admin ------------------------------------------------------------------------


def test_the_admins_buttons_send_the_emails(
    draft, olivia, publishers, django_capture_on_commit_callbacks
):
    officer, publisher = Client(), Client()
    officer.force_login(olivia)
    publisher.force_login(publishers["petra"])
    url = reverse("admin:pages_topic_workflow", args=[draft.pk])

    with django_capture_on_commit_callbacks(execute=True):
        officer.post(url, {"step": "submit"})
    assert len(mail.outbox) == 3
    with django_capture_on_commit_callbacks(execute=True):
        publisher.post(url, {"step": "return", "note": NOTE})
    assert mail.outbox[3].to == ["olivia@example.gov.uk"] and NOTE in mail.outbox[3].body
    with django_capture_on_commit_callbacks(execute=True):
        officer.post(url, {"step": "submit"})
        publisher.post(url, {"step": "publish"})
    assert mail.outbox[-1].to == ["olivia@example.gov.uk"]
    assert mail.outbox[-1].subject.startswith("Published: Smoking")


# --- Delivery and staged imports --------------------------------------------------------------


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that will not take the message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_a_message_that_cannot_be_delivered_is_logged_and_the_step_stands(
    settings, draft, olivia, publishers, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_for_review(draft, olivia)
    assert Topic.objects.get(pk=draft.pk).status == Status.REVIEW
    assert "Could not send 3 email(s) “Sent for review: Smoking" in caplog.text


def test_publishers_can_be_told_of_a_staged_import(
    olivia, publishers, django_capture_on_commit_callbacks
):
    batch = ImportBatch.objects.create(
        file_name="referrals.csv",
        imported_by=olivia,
        release=ImportBatch.Release.STAGED,
        rows_added=12,
        rows_changed=1,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.import_staged(batch) == 3
    message = mail.outbox[0]
    assert message.subject == f"Figures waiting for release: import #{batch.pk} (Lancashire JSNA)"
    assert "olivia imported “referrals.csv”" in message.body
    assert "12 new figures and 1 changed" in message.body
    assert SITE_URL + reverse("admin:pages_topic_release", args=[batch.pk]) in message.body


def test_a_staged_import_tells_the_publishers_once_it_is_kept(
    olivia, publishers, django_capture_on_commit_callbacks
):
    """The importer calls the hook after its record commits; a dry run tells nobody."""
    IndicatorFactory(slug="hook-rate", unit="rate", multiplier=10_000)
    AreaFactory(code="E06000099", name="Hooktown")
    data = b"indicator,area_code,period,value\nhook-rate,E06000099,2012/13,5.0\n"
    with django_capture_on_commit_callbacks(execute=True):
        preview = import_values(source=io.BytesIO(data), file_name="h.csv", dry_run=True)
    assert preview.figures_new == 1 and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        report = import_values(source=io.BytesIO(data), file_name="h.csv", user=olivia, stage=True)
    assert report.batch.is_pending
    assert len(mail.outbox) == 3
    assert mail.outbox[0].subject.startswith(
        f"Figures waiting for release: import #{report.batch.pk}"
    )


# --- Settings ---------------------------------------------------------------------------------


def settings_under(**env: str) -> dict[str, str]:
    """The email settings `manage.py` reads from this environment (and no .env file)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "SITE_URL"))}
    clean.update(DJANGO_DOTENV_DISABLED="1", **env)
    names = [
        "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD",
        "EMAIL_USE_TLS", "DEFAULT_FROM_EMAIL", "SITE_URL",
    ]  # fmt: skip
    code = "from django.conf import settings\n" + "".join(
        f"print('{name}=' + str(settings.{name}))\n" for name in names
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def test_development_prints_emails_and_production_sends_them_by_smtp():
    development = settings_under(DEBUG="1")
    assert development["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert development["SITE_URL"] == "http://127.0.0.1:8000"

    production = settings_under(
        DEBUG="0",
        SECRET_KEY="kq3V-9xZ_t2LmN8pRw4sYc7HbF1jD6gA0eUoI5vTnB3-Ml2Qz8Xr",
        ALLOWED_HOSTS="jsna.example.org",
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="2525",
        EMAIL_HOST_USER="jsna",
        EMAIL_HOST_PASSWORD="secret",
        EMAIL_USE_TLS="1",
        DEFAULT_FROM_EMAIL="JSNA <jsna@example.org>",
    )
    assert production == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": "2525",
        "EMAIL_HOST_USER": "jsna",
        "EMAIL_HOST_PASSWORD": "secret",
        "EMAIL_USE_TLS": "True",
        "DEFAULT_FROM_EMAIL": "JSNA <jsna@example.org>",
        "SITE_URL": "https://jsna.example.org",  # the first allowed host, over HTTPS
    }
