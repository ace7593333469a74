import pytest
from django.urls import reverse

from pages.models import Topic
from tests.factories import TopicFactory

pytestmark = pytest.mark.django_db


def test_home_lists_themes_their_topics_and_a_search_box(client, demo):
    html = client.get(reverse("pages:home")).content.decode()
    assert "Children and young people" in html
    assert 'href="/children-and-young-people/childrens-social-care/child-protection/"' in html
    assert 'action="/search/"' in html and 'name="q"' in html


def test_home_hides_drafts(client, demo):
    Topic.objects.filter(slug="dementia").update(status="draft")
    assert "Dementia" not in client.get(reverse("pages:home")).content.decode()


def test_home_query_count_is_constant(client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # content version, themes, topics, sub-topics
        client.get(reverse("pages:home"))
    theme = Topic.objects.get(slug="health-and-wellbeing")
    for n in range(40):
        parent = TopicFactory(parent=theme, slug=f"extra-{n}")
        TopicFactory(parent=parent, slug="child")
    with django_assert_max_num_queries(4):
        response = client.get(reverse("pages:home"))
    assert "extra-39" in response.content.decode()


def test_theme_page_lists_its_pages(client, demo):
    html = client.get("/children-and-young-people/childrens-social-care/").content.decode()
    assert "Pages in Children" in html
    assert 'href="/children-and-young-people/childrens-social-care/child-protection/"' in html
