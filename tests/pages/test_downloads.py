"""A topic's downloads are served by the site, only while the page is published (or to the
officers who may see its draft), always as attachments."""

import pytest
from django.core.files.base import ContentFile

from pages.models import TopicLink
from pages.services import create_officer
from tests.factories import TopicFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def attach(topic, name="report.pdf"):
    link = TopicLink(topic=topic, title="The full report")
    link.file.save(name, ContentFile(PDF), save=False)
    link.full_clean()
    link.save()
    return link


def test_a_published_pages_file_is_downloaded_as_an_attachment(client):
    link = attach(TopicFactory())
    page = client.get(link.topic.get_absolute_url()).content.decode()
    assert f'href="{link.href}"' in page
    response = client.get(link.href)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert "report.pdf" in response["Content-Disposition"]


def test_a_drafts_file_is_not_public_but_its_officer_may_fetch_it(client):
    officer, _ = create_officer(username="owner", password="a-long-test-password")
    link = attach(TopicFactory(status="draft", owner=officer))
    assert client.get(link.href).status_code == 404
    client.force_login(officer)
    response = client.get(link.href)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_an_archived_pages_file_and_a_wrong_name_are_not_found(client):
    link = attach(TopicFactory())
    assert client.get(link.href.replace("report.pdf", "other.pdf")).status_code == 404
    link.topic.status = "archived"
    link.topic.save()
    assert client.get(link.href).status_code == 404


def test_media_files_are_not_served_directly(client, settings):
    link = attach(TopicFactory())
    url = "/" + f"{settings.MEDIA_URL}{link.file.name}".lstrip("/")
    assert client.get(url, follow=True).status_code == 404
