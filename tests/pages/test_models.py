import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from pages.models import TopicLink
from tests.factories import SectionFactory, TopicFactory

pytestmark = pytest.mark.django_db


def test_topic_path_follows_the_tree_and_moves_with_it():
    theme = TopicFactory(slug="children")
    middle = TopicFactory(slug="social-care", parent=theme)
    page = TopicFactory(slug="child-protection", parent=middle)
    assert page.path == "children/social-care/child-protection"
    assert page.depth == 2
    theme.slug = "children-and-young-people"
    theme.save()
    page.refresh_from_db()
    assert page.path == "children-and-young-people/social-care/child-protection"


def test_sibling_slugs_are_unique_but_cousins_may_share():
    a, b = TopicFactory(slug="a"), TopicFactory(slug="b")
    TopicFactory(slug="smoking", parent=a)
    TopicFactory(slug="smoking", parent=b)
    twin = TopicFactory.build(slug="smoking", parent=a)
    with pytest.raises(ValidationError, match="same parent"):
        twin.full_clean()


def test_topic_cannot_sit_under_itself():
    theme = TopicFactory()
    child = TopicFactory(parent=theme)
    theme.parent = child
    with pytest.raises(ValidationError, match="under itself"):
        theme.full_clean()


def test_review_date_not_before_last_update():
    import datetime

    topic = TopicFactory.build(
        last_updated=datetime.date(2014, 3, 19), review_due=datetime.date(2014, 1, 1)
    )
    with pytest.raises(ValidationError, match="review date"):
        topic.full_clean()


def test_section_anchors_unique_per_topic_and_breakdown_needs_indicator():
    section = SectionFactory(anchor="referrals")
    twin = SectionFactory.build(topic=section.topic, anchor="referrals")
    with pytest.raises(ValidationError, match="anchor"):
        twin.full_clean()
    orphan = SectionFactory.build(breakdown_dimension="age")
    with pytest.raises(ValidationError, match="indicator"):
        orphan.full_clean()


def test_link_needs_a_file_or_a_url_not_both_nor_neither():
    topic = TopicFactory()
    neither = TopicLink(topic=topic, title="Nothing")
    with pytest.raises(ValidationError, match="either a file"):
        neither.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        neither.save()
    TopicLink(topic=topic, title="DfE", url="https://www.gov.uk/").full_clean()
