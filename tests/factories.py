import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from indicators.models import Area, Breakdown, Indicator, Period, Value
from pages.models import PageAuthor, Section, Topic


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"E07{n:06d}")
    name = factory.Sequence(lambda n: f"District {n}")
    area_type = "district"


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    name = factory.Sequence(lambda n: f"Indicator {n}")
    slug = factory.Sequence(lambda n: f"indicator-{n}")
    unit = "percentage"
    multiplier = 100
    decimal_places = 1
    polarity = "low"


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Period
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{2000 + n}/{(1 + n) % 100:02d}")
    kind = "fy"
    start_date = factory.LazyAttribute(lambda o: datetime.date(int(o.code[:4]), 4, 1))
    end_date = factory.LazyAttribute(lambda o: datetime.date(int(o.code[:4]) + 1, 3, 31))
    label = factory.LazyAttribute(lambda o: o.code)


class BreakdownFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Breakdown

    dimension = "age"
    label = factory.Sequence(lambda n: f"Band {n}")


class ValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Value

    indicator = factory.SubFactory(IndicatorFactory)
    area = factory.SubFactory(AreaFactory)
    period = factory.SubFactory(PeriodFactory)
    value = Decimal("12.5")


class PageAuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PageAuthor

    name = factory.Sequence(lambda n: f"Analyst {n}")
    email = factory.LazyAttribute(lambda o: f"{o.name.lower().replace(' ', '.')}@example.org")


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    title = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")
    status = "published"


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    topic = factory.SubFactory(TopicFactory)
    heading = factory.Sequence(lambda n: f"Section {n}")
    anchor = factory.Sequence(lambda n: f"section-{n}")
    body = "Some narrative."


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("a-long-test-password")
