import pytest
from django.test import Client
from django.urls import path

from jsna.urls import urlpatterns as site_urls


def broken(request):
    raise RuntimeError("boom")


urlpatterns = [path("broken/", broken), *site_urls]


@pytest.mark.django_db
def test_404_page_is_in_the_site_style_and_helps(client):
    response = client.get("/no-such-topic/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'href="/a-z/"' in html and 'class="skip-link"' in html


@pytest.mark.django_db
@pytest.mark.urls("tests.pages.test_errors")
def test_500_page_is_plain_and_safe():
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert "boom" not in html
