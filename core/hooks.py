"""Hooks: how a lower app asks a question that only a higher app can answer, without
importing it (the way Wagtail's `hooks.register` lets apps extend the admin).

A higher app registers a function under a hook's name, in a module its `AppConfig.ready()`
imports (`pages/hooks.py`); the lower app calls `first(name, ...)` and uses the default
documented below when nothing is registered. So `indicators` works alone, and `pages`
narrows it.

The hooks, with what their functions take and return:

``IMPORT_SCOPE``: ``(user) -> ImportScope``
    Which indicators the user may import figures for, and whether they may undo anyone's
    import. Default: every indicator, and only their own imports.

``PUBLISHED_INDICATORS``: ``() -> QuerySet`` of indicator ids
    The indicators a published page shows, whose pages and figures are public. Default:
    None (every indicator is public).

``INDICATOR_HOME``: ``(indicator) -> tuple[Area, list[Area]] | None``
    The area (and its comparators) whose trend the indicator's own page charts, e.g. the area
    of a published topic page that shows it. Default: None (the page charts the country).

``INDICATOR_TOPICS``: ``(indicator_ids) -> dict[int, list[tuple[str, str]]]``
    For each of the indicators, the published pages that show it, as (title, address), the
    page to read first first: an area's profile groups its indicators under them. Default:
    None (no pages).

``FIGURES_RELEASED``: ``(tags) -> None``
    Figures were released (an import, an undo): the cache tags they changed
    (core/caching.py). Called after the transaction has committed, e.g. to build again the
    public pages that show them before anyone asks. Default: nothing.

``IMPORT_STAGED``: ``(batch) -> None``
    An import's figures were staged, waiting for a publisher's release: every function
    registered is called, after the import's transaction has committed (e.g. to tell the
    publishers). Default: nothing.

"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

IMPORT_SCOPE = "import_scope"
IMPORT_STAGED = "import_staged"
FIGURES_RELEASED = "figures_released"
INDICATOR_HOME = "indicator_home"
INDICATOR_TOPICS = "indicator_topics"
PUBLISHED_INDICATORS = "published_indicators"

NAMES = frozenset(
    {
        FIGURES_RELEASED,
        IMPORT_SCOPE,
        IMPORT_STAGED,
        INDICATOR_HOME,
        INDICATOR_TOPICS,
        PUBLISHED_INDICATORS,
    }
)

F = TypeVar("F", bound=Callable[..., Any])

_registry: dict[str, list[Callable[..., Any]]] = defaultdict(list)


def _every() -> None:
    return None


@dataclass
class ImportScope:
    """What a user may import. `indicator_ids` (None: every indicator) is read from
    `load_indicator_ids` when first asked for, so asking only `undoes_any` costs no query."""

    undoes_any: bool = False
    load_indicator_ids: Callable[[], Iterable[int] | None] = field(default=_every, repr=False)

    @cached_property
    def indicator_ids(self) -> frozenset[int] | None:
        ids = self.load_indicator_ids()
        return None if ids is None else frozenset(ids)


def register(name: str) -> Callable[[F], F]:
    """Decorator: `@hooks.register(hooks.IMPORT_SCOPE)` over a function."""
    if name not in NAMES:
        raise ValueError(f"No hook is called {name!r}; the hooks are {sorted(NAMES)}.")

    def decorator(function: F) -> F:
        if function not in _registry[name]:
            _registry[name].append(function)
        return function

    return decorator


def get(name: str) -> list[Callable[..., Any]]:
    """The functions registered under the name, in the order they were registered."""
    return list(_registry.get(name, ()))


def call_all(name: str, *args: Any, **kwargs: Any) -> None:
    """Call every function registered under the name, in order (a notification)."""
    for function in get(name):
        function(*args, **kwargs)


def first(name: str, *args: Any, default: Any = None, **kwargs: Any) -> Any:
    """The answer of the first function registered under the name, or the default."""
    functions = get(name)
    if not functions:
        return default
    return functions[0](*args, **kwargs)
