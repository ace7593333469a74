"""Running the demo again (`load_demo`, and `scripts/dev.py start`, which runs it on every
start) never overwrites, deletes or re-dates what anyone edited since it was loaded, and never
resets a password; `load_demo --reset` puts the demo back, only when confirmed."""

from __future__ import annotations

import datetime
import importlib.util
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models

from indicators.models import Area, Breakdown, Indicator, Period, Value
from pages import workflow
from pages.demo import content
from pages.models import DemoRecord, PageAuthor, Section, Team, Topic, TopicLink
from pages.services import PUBLISHER, create_officer

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
DEMO_MODELS: list[type[models.Model]] = [
    Area,
    Indicator,
    Period,
    Breakdown,
    Value,
    Topic,
    Section,
    TopicLink,
    PageAuthor,
    Team,
]
DEMO_DAY = datetime.datetime(2014, 3, 19, 12, 0, tzinfo=datetime.UTC)
OFFICERS_TEXT = "Referrals rose in 2012/13: the officer's own words, edited and published."
KEPT = "that were edited since the demo was loaded"


def everything() -> dict[str, list[dict]]:
    """Every row of every model the demo fills, every field (dates of change included), and
    how many history records each page, section, link and figure has."""
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in DEMO_MODELS}
    for model in (Topic, Section, TopicLink, Value):
        rows[f"{model.__name__} history"] = [{"count": model.history.count()}]
    return rows


def page() -> Topic:
    return Topic.objects.get(path=content.CHILD_PROTECTION, draft_of=None)


def figure(slug: str = "cpp-count", code: str = "E10000017", period: str = "2013-03-31") -> Value:
    return Value.objects.get(
        indicator__slug=slug,
        area__code=code,
        period__code=period,
        breakdown=None,
        is_staged=False,
    )


@pytest.fixture
def officers(demo) -> tuple[User, User]:
    """The two logins `scripts/dev.py start` makes: an officer who looks after the demo pages
    and a publisher."""
    officer, _ = create_officer(username="officer", password=PASSWORD, team=content.TEAM)
    publisher, _ = create_officer(username="publisher", password=PASSWORD, role=PUBLISHER)
    return officer, publisher


def edit_and_publish_section(officer: User, publisher: User, anchor: str, body: str) -> Section:
    """As an officer does it: a draft of the published page, the section edited in it, and
    the draft published over the page (which gives the page the draft's sections)."""
    draft = workflow.start_draft(page(), officer)
    section = draft.sections.get(anchor=anchor)
    section.body = body
    section.full_clean()
    section.save()
    workflow.publish(draft, publisher)
    return page().sections.get(anchor=anchor)


def test_rerun_keeps_edited_narrative_definition_figure_and_password(officers, capsys):
    officer, publisher = officers
    section = edit_and_publish_section(officer, publisher, "referrals", OFFICERS_TEXT)
    indicator = Indicator.objects.get(slug="re-referrals")
    indicator.definition = "Re-referrals within 12 months, as the publisher approved it."
    indicator.save()
    value = figure()
    value.value = value.count = Decimal("880")
    value.save()
    officer.set_password("the officer's own password")
    officer.save()
    before = everything()
    capsys.readouterr()

    call_command("load_demo")

    assert page().sections.get(anchor="referrals").body == OFFICERS_TEXT
    assert Section.objects.get(pk=section.pk).updated_at == section.updated_at  # not re-dated
    assert Indicator.objects.get(slug="re-referrals").definition == indicator.definition
    assert figure().value == Decimal("880")
    assert figure().updated_at == value.updated_at
    assert User.objects.get(username="officer").check_password("the officer's own password")
    assert everything() == before
    out = capsys.readouterr().out
    assert f"Kept 3 items {KEPT}" in out
    assert "section “Referrals to children's social care” on “Child protection”: narrative" in out
    assert "indicator “Re-referrals to children's social care within 12 months”: definition" in out
    assert "figure cpp-count, Lancashire-12, 31 March 2013: figure, count" in out
    assert "nothing changed" in out


# (what an officer, publisher or import changes, what the report calls it)
EDITS = [
    (lambda: Topic.objects.filter(pk=page().pk).update(title="Safeguarding children"), "page"),
    (lambda: Section.objects.filter(anchor="age").update(heading="Ages"), "section “Age of"),
    (lambda: TopicLink.objects.filter(sort_order=1).update(url="https://example.org/"), "link"),
    (lambda: Area.objects.filter(code="E07000123").update(name="City of Preston"), "area"),
    (lambda: Area.objects.filter(code="E10000017").update(short_name="Lancs"), "area"),
    (lambda: Period.objects.filter(code="2012/13").update(label="FY 2012/13"), "period"),
    (lambda: Breakdown.objects.filter(label="Mixed").update(sort_order=9), "breakdown"),
    (lambda: PageAuthor.objects.update(phone="01772 000000"), "page author"),
    (lambda: Team.objects.filter(name=content.TEAM).update(name="Children's intelligence"), "team"),
    (lambda: Indicator.objects.filter(slug="cpp-rate").update(is_public=True), "indicator"),
    # Imports: a real figure in place of an illustrative one at the same number; the
    # confidence limits of a published one.
    (
        lambda: Value.objects.filter(pk=figure(period="2008-03-31").pk).update(
            is_illustrative=False, note=""
        ),
        "figure cpp-count, Lancashire-12, 31 March 2008: illustrative (synthetic), note changed",
    ),
    (
        lambda: Value.objects.filter(pk=figure("referrals-rate", period="2012/13").pk).update(
            lower_ci=Decimal("600"), upper_ci=Decimal("700")
        ),
        "figure referrals-rate, Lancashire-12, 2012/13: lower 95% confidence limit, upper",
    ),
]


@pytest.mark.parametrize(("edit", "called"), EDITS)
def test_rerun_keeps_every_kind_of_demo_item_that_was_edited(demo, capsys, edit, called):
    edit()
    before = everything()
    capsys.readouterr()
    call_command("load_demo")
    assert everything() == before
    out = capsys.readouterr().out
    assert "Kept 1 item that was edited since the demo was loaded" in out
    assert f"\n  {called}" in out


def test_rerun_on_an_untouched_demo_changes_nothing(demo, capsys):
    before = everything()
    records = list(DemoRecord.objects.order_by("pk").values())
    call_command("load_demo")
    assert everything() == before
    assert list(DemoRecord.objects.order_by("pk").values()) == records
    out = capsys.readouterr().out
    assert "Demo content is already up to date: nothing changed." in out
    assert "Kept" not in out


def test_a_page_published_again_unchanged_is_still_the_demo(officers, monkeypatch, capsys):
    """Publishing a draft gives the page new section rows with the same content: the demo
    finds them by their anchors, and they are still its own, to update to a newer demo."""
    officer, publisher = officers
    workflow.publish(workflow.start_draft(page(), officer), publisher)
    newer = [(a, f"{h} (newer)", *rest) for a, h, *rest in content.SECTIONS]
    monkeypatch.setattr(content, "SECTIONS", newer)
    capsys.readouterr()
    call_command("load_demo")
    assert [s.heading for s in page().sections.all()] == [s[1] for s in newer]
    out = capsys.readouterr().out
    assert f"sections: {len(newer)} updated" in out
    assert "Kept" not in out


def test_a_staged_figure_beside_a_demo_figure_is_left_alone(demo, capsys):
    released = figure()
    staged = Value.objects.create(
        indicator=released.indicator,
        area=released.area,
        period=released.period,
        value=Decimal("901"),
        count=Decimal("901"),
        is_staged=True,
    )
    before = everything()
    call_command("load_demo")
    assert everything() == before
    assert Value.objects.get(pk=staged.pk).value == Decimal("901")
    assert "Kept" not in capsys.readouterr().out


def test_a_missing_demo_item_is_created(demo, capsys):
    """An item the demo never wrote to this database (a database loaded by an older demo
    without it) is created, as on a fresh machine, and dated from the demo page."""
    missing = page().sections.get(anchor="ethnicity")
    DemoRecord.objects.filter(model="pages.section", key__endswith="#ethnicity").delete()
    missing.delete()
    value = figure("referrals-rate", period="2012/13")
    DemoRecord.objects.filter(model="indicators.value", object_id=value.pk).delete()
    value.delete()
    capsys.readouterr()

    call_command("load_demo")

    section = page().sections.get(anchor="ethnicity")
    assert section.heading == "Ethnicity of children with a plan"
    assert section.updated_at == DEMO_DAY
    assert figure("referrals-rate", period="2012/13").value == Decimal("638.6")
    out = capsys.readouterr().out
    assert "sections: 1 created" in out and "values: 1 created" in out
    assert "Kept" not in out


def test_the_first_load_takes_an_area_as_ons_named_it_but_keeps_one_renamed(db, capsys):
    """`load_geography` runs first: an area as ONS named it is the demo's to name; one an
    officer renamed keeps its name."""
    england = Area.objects.create(code="E92000001", name="England", area_type="country")
    north_west = Area.objects.create(
        code="E12000002", name="North West", ons_name="North West", area_type="region",
        parent=england,
    )  # fmt: skip
    lancashire = Area.objects.create(
        code="E10000017", name="Lancashire", ons_name="Lancashire", area_type="county",
        parent=north_west,
    )  # fmt: skip
    Area.objects.create(
        code="E07000117", name="Burnley Borough", ons_name="Burnley", area_type="district",
        parent=lancashire,
    )  # fmt: skip
    call_command("load_demo")
    assert Area.objects.get(code="E10000017").display_name == "Lancashire-12"
    assert Area.objects.get(code="E07000117").name == "Burnley Borough"
    out = capsys.readouterr().out
    assert "Kept 1 item that was edited since the demo was loaded" in out
    assert "area Burnley (E07000117): name changed" in out


def test_what_an_edit_makes_impossible_is_reported_and_the_rest_loads(demo, capsys):
    """The referrals section names the North West in a live figure: with the region renamed,
    the section cannot be made again as the demo has it, and the rest of the demo loads."""
    Area.objects.filter(code="E12000002").update(name="North West England")
    DemoRecord.objects.filter(model="pages.section", key__endswith="#referrals").delete()
    page().sections.get(anchor="referrals").delete()
    capsys.readouterr()
    call_command("load_demo")
    assert not page().sections.filter(anchor="referrals").exists()
    assert Area.objects.get(code="E12000002").name == "North West England"
    out = capsys.readouterr().out
    assert "Not loaded: 1 item that the site's rules refuse as the demo has it" in out
    assert "section “Referrals to children's social care” on “Child protection”: " in out
    assert "There is no area “North West”" in out


def test_a_newer_demo_updates_only_what_no_one_edited(demo, monkeypatch, capsys):
    Indicator.objects.filter(slug="cpp-rate").update(source="Our own source")
    newer = [{**spec, "methodology": "Newer methodology."} for spec in content.INDICATORS]
    monkeypatch.setattr(content, "INDICATORS", newer)
    capsys.readouterr()
    call_command("load_demo")
    assert Indicator.objects.get(slug="cpp-count").methodology == "Newer methodology."
    edited = Indicator.objects.get(slug="cpp-rate")
    assert edited.source == "Our own source"
    assert edited.methodology != "Newer methodology."
    out = capsys.readouterr().out
    assert "indicators: 7 updated" in out
    assert "indicator “Children with a child protection plan (rate per 10,000" in out


def test_an_item_deleted_since_loading_stays_deleted_until_a_reset(demo, capsys):
    """Deleting is an edit too: a section an officer removed does not come back by itself."""
    page().sections.get(anchor="age").delete()
    capsys.readouterr()
    call_command("load_demo")
    assert not page().sections.filter(anchor="age").exists()
    out = capsys.readouterr().out
    assert "section “Age of children with a plan” on “Child protection”: deleted since" in out
    call_command("load_demo", "--reset", "--yes")
    assert page().sections.get(anchor="age").heading == "Age of children with a plan"


def edit_demo() -> None:
    Section.objects.filter(anchor="referrals").update(body=OFFICERS_TEXT)
    Indicator.objects.filter(slug="re-referrals").update(definition="Our definition.")
    Value.objects.filter(pk=figure().pk).update(value=Decimal("880"), count=Decimal("880"))
    TopicLink.objects.filter(sort_order=2).delete()


def test_reset_without_confirmation_refuses_and_changes_nothing(demo):
    edit_demo()
    before = everything()
    records = list(DemoRecord.objects.order_by("pk").values())
    with pytest.raises(CommandError, match="Nothing was changed.*--yes"):
        call_command("load_demo", "--reset")  # no terminal to ask: pytest's stdin is none
    assert everything() == before
    assert list(DemoRecord.objects.order_by("pk").values()) == records


def test_reset_refuses_unless_yes_is_typed(demo, monkeypatch, capsys):
    edit_demo()
    before = everything()
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    call_command("load_demo", "--reset")
    assert everything() == before
    out = capsys.readouterr().out
    assert "This puts back 4 items edited since the demo was loaded:" in out
    assert "Reset cancelled: nothing was changed." in out


@pytest.mark.parametrize("confirm", ["--yes", "--no-input", "typed"])
def test_reset_with_confirmation_restores_the_demo(demo, monkeypatch, capsys, confirm):
    edit_demo()
    if confirm == "typed":
        monkeypatch.setattr("sys.stdin.isatty", lambda: True)
        monkeypatch.setattr("builtins.input", lambda prompt: "yes")
        call_command("load_demo", "--reset")
    else:
        call_command("load_demo", "--reset", confirm)
    referrals = page().sections.get(anchor="referrals")
    assert referrals.body == {s[0]: s[4] for s in content.SECTIONS}["referrals"]
    assert referrals.updated_at == DEMO_DAY
    assert Indicator.objects.get(slug="re-referrals").definition.startswith("The percentage")
    assert figure().value == Decimal("878")
    assert page().links.count() == len(content.LINKS)
    out = capsys.readouterr().out
    assert "Put back 4 items edited since the demo was loaded:" in out
    call_command("load_demo")
    assert "already up to date" in capsys.readouterr().out


def test_reset_dry_run_needs_no_confirmation_and_saves_nothing(demo, capsys):
    edit_demo()
    before = everything()
    call_command("load_demo", "--reset", "--dry-run")
    assert everything() == before
    assert "Put back 4 items" in capsys.readouterr().out


def test_create_officer_keep_existing_leaves_the_password(db, capsys):
    call_command("create_officer", "publisher", "--role", PUBLISHER, "--password", PASSWORD)
    user = User.objects.get(username="publisher")
    user.set_password("the publisher's own password")
    user.save()
    capsys.readouterr()

    call_command("create_officer", "publisher", "--role", PUBLISHER, "--keep-existing")

    user = User.objects.get(username="publisher")
    assert user.check_password("the publisher's own password")
    assert [g.name for g in user.groups.all()] == [PUBLISHER]
    assert capsys.readouterr().out == (
        "publisher: login already exists, password unchanged (reset it with: "
        "python manage.py create_officer publisher --role Publisher)\n"
    )


def test_create_officer_keep_existing_gives_a_new_account_a_password(db, capsys):
    call_command("create_officer", "officer", "--team", content.TEAM, "--keep-existing")
    out = capsys.readouterr().out
    assert out.startswith("Officer login: officer / ")
    user = User.objects.get(username="officer")
    assert user.check_password(out.strip().rsplit(" / ", 1)[1])
    assert user.teams.get().name == content.TEAM


def test_create_officer_by_hand_still_resets_the_password(db, capsys):
    create_officer(username="officer", password=PASSWORD)
    call_command("create_officer", "officer")
    new = capsys.readouterr().out.strip().rsplit(" / ", 1)[1]
    user = User.objects.get(username="officer")
    assert not user.check_password(PASSWORD)
    assert user.check_password(new)


def test_start_keeps_existing_logins_and_never_resets_the_demo(monkeypatch):
    """What `python3 scripts/dev.py start` runs, without running it."""
    path = Path(__file__).resolve().parents[2] / "scripts" / "dev.py"
    spec = importlib.util.spec_from_file_location("dev_script", path)
    assert spec and spec.loader
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    commands: list[tuple[str, ...]] = []
    monkeypatch.setattr(dev, "install", lambda extras: None)
    monkeypatch.setattr(dev, "ensure_env_file", lambda: None)
    monkeypatch.setattr(dev, "run", lambda *args, env=None: commands.append(args[2:]))
    # The site and the worker, as processes, are tested for real in tests/scripts/test_start.py.
    served: list[tuple] = []
    monkeypatch.setattr(dev, "serve_with_worker", lambda manage: served.append(manage))
    dev.start()
    names = [command[0] for command in commands]
    assert names == [
        "migrate",
        "load_geography",
        "load_demo",
        "create_officer",
        "create_officer",
        "schedule_publishing",
    ]
    # Then the site with the task worker beside it.
    assert [tuple(str(part) for part in manage)[1:] for manage in served] == [("manage.py",)]
    assert commands[2] == ("load_demo",)
    assert all("--keep-existing" in c for c in commands if c[0] == "create_officer")
    assert not any("--use-ons-names" in c or "--reset" in c for c in commands)
