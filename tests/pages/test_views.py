import pytest
from django.core.cache import cache
from django.urls import reverse

from pages.models import Topic
from tests.factories import TopicFactory, build_child_protection

pytestmark = pytest.mark.django_db


@pytest.fixture
def child_protection(db):
    """The Child protection page and the topics around it, as in the demo's tree."""
    return build_child_protection(["about"])


def test_home_lists_themes_their_topics_and_a_search_box(client, child_protection):
    html = client.get(reverse("pages:home")).content.decode()
    assert "Children and young people" in html
    assert 'href="/children-and-young-people/childrens-social-care/child-protection/"' in html
    assert 'action="/search/"' in html and 'name="q"' in html


def test_home_hides_drafts(client, child_protection):
    adults = TopicFactory(title="Adults and older people", slug="adults-and-older-people")
    TopicFactory(parent=adults, title="Carers", slug="carers")
    TopicFactory(parent=adults, title="Dementia", slug="dementia")
    Topic.objects.filter(slug="dementia").update(status="draft")
    html = client.get(reverse("pages:home")).content.decode()
    assert "Dementia" not in html
    assert "Carers" in html  # its published sibling is listed


def test_home_query_count_is_constant(client, child_protection, django_assert_max_num_queries):
    theme = TopicFactory(title="Health and wellbeing", slug="health-and-wellbeing")
    # content version (with the page's kept parts), themes, topics, sub-topics, parts kept
    with django_assert_max_num_queries(5):
        client.get(reverse("pages:home"))
    for n in range(40):
        parent = TopicFactory(parent=theme, slug=f"extra-{n}")
        TopicFactory(parent=parent, slug="child")
    cache.clear()  # as the first time: no cached page to check first
    with django_assert_max_num_queries(5):
        response = client.get(reverse("pages:home"))
    assert "extra-39" in response.content.decode()


def test_theme_page_lists_its_pages(client, child_protection):
    html = client.get("/children-and-young-people/childrens-social-care/").content.decode()
    assert "Pages in Children" in html
    assert 'href="/children-and-young-people/childrens-social-care/child-protection/"' in html
