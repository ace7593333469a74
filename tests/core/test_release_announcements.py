"""Figures released in one transaction are announced once (`hooks.FIGURES_RELEASED`), with
every tag the transaction changed, after it commits; never for a transaction rolled back."""

import pytest
from django.db import transaction

from core import hooks
from core.caching import changed_figures


@pytest.fixture
def announced(monkeypatch):
    calls: list[list[str]] = []
    monkeypatch.setitem(hooks._registry, hooks.FIGURES_RELEASED, [calls.append])
    return calls


@pytest.mark.django_db(transaction=True)
def test_one_transaction_is_announced_once_with_every_tag(announced):
    with transaction.atomic():
        changed_figures([1, 2])
        changed_figures([2, 3])  # e.g. the small-number rule after a release
        assert announced == []  # not before the commit
    assert announced == [["indicator:1", "indicator:2", "indicator:3"]]


@pytest.mark.django_db(transaction=True)
def test_separate_transactions_are_announced_separately(announced):
    with transaction.atomic():
        changed_figures([1])
    with transaction.atomic():
        changed_figures([2])
    changed_figures([3])  # outside a transaction: at once
    assert announced == [["indicator:1"], ["indicator:2"], ["indicator:3"]]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_announces_nothing(announced):
    with pytest.raises(RuntimeError), transaction.atomic():
        changed_figures([1])
        raise RuntimeError("the release failed")
    with transaction.atomic():
        changed_figures([2])
    assert announced == [["indicator:2"]]
