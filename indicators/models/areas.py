"""Areas: the places figures are for, how they roll up (district → county → region →
country), and the named groups they are compared with."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.text import slugify

from core.formatting import long_date

GSS_CODE = RegexValidator(
    r"^[EWSNKJ]\d{8}$",
    "Enter an ONS GSS code: a letter (E, W, S, N, K or J) and eight digits, e.g. E07000123.",
)


class AreaType(models.TextChoices):
    # Ordered from the largest to the smallest; `rank` below relies on this order.
    COUNTRY = "country", "Country"
    REGION = "region", "Region"
    COUNTY = "county", "County"
    UNITARY = "unitary", "Unitary authority"
    DISTRICT = "district", "District"
    # ONS statistical groupings (E11 metropolitan counties, E13 Inner and Outer London): never
    # a tier of the hierarchy, never counted among the regions or districts.
    GROUPING = "grouping", "Statistical grouping"
    OTHER = "other", "Other"


#: The first three characters of the codes of ONS statistical groupings: E11 metropolitan
#: counties (Greater Manchester…) and E13 Inner and Outer London. They look like a county's or a
#: region's code, and DfE files list them among the regions, but they are neither.
GROUPING_CODE_PREFIXES = ("E11", "E13")


def is_grouping_code(code: str) -> bool:
    """Whether a GSS code is an ONS statistical grouping's (E11 or E13)."""
    return code[:3].upper() in GROUPING_CODE_PREFIXES


#: The region each ONS statistical grouping lies in (ONS, April 2023): where an area a file
#: places under a grouping belongs in the hierarchy.
GROUPING_REGIONS = {
    "E11000001": "E12000002",  # Greater Manchester: North West
    "E11000002": "E12000002",  # Merseyside: North West
    "E11000003": "E12000003",  # South Yorkshire: Yorkshire and The Humber
    "E11000005": "E12000005",  # West Midlands (metropolitan county): West Midlands
    "E11000006": "E12000003",  # West Yorkshire: Yorkshire and The Humber
    "E11000007": "E12000001",  # Tyne and Wear: North East
    "E13000001": "E12000007",  # Inner London: London
    "E13000002": "E12000007",  # Outer London: London
}


class AreaQuerySet(models.QuerySet["Area"]):
    def get_by_natural_key(self, code: str) -> Area:
        return self.get(code=code)

    def of_type(self, area_type: str) -> AreaQuerySet:
        return self.filter(area_type=area_type)

    def current(self) -> AreaQuerySet:
        """Areas not replaced by a boundary or code change."""
        return self.filter(is_current=True)


class Area(models.Model):
    code = models.CharField(
        "GSS code",
        max_length=9,
        unique=True,
        validators=[GSS_CODE],
        help_text="The ONS Government Statistical Service code, e.g. E07000123 for Preston.",
    )
    name = models.CharField(max_length=120)
    short_name = models.CharField(
        max_length=60,
        blank=True,
        help_text="A shorter name for charts and tables, e.g. “Lancashire-12”. Optional.",
    )
    area_type = models.CharField(max_length=16, choices=AreaType.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The area this one rolls up to (district → county → region → country).",
    )
    slug = models.SlugField(max_length=130, unique=True, editable=False)
    ons_name = models.CharField(
        "ONS name",
        max_length=120,
        blank=True,
        editable=False,
        help_text="The name ONS gives the area, as last loaded from its geography. A name an "
        "officer has changed from it is kept when the geography is loaded again.",
    )
    is_current = models.BooleanField(
        "current area",
        default=True,
        help_text="False for an area replaced by a boundary or code change (see its "
        "successors); it keeps its figures.",
    )
    groupings = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="grouping_members",
        limit_choices_to={"area_type": "grouping"},
        help_text="ONS statistical groupings the area belongs to (e.g. Greater Manchester, "
        "Inner London): not part of the hierarchy.",
    )

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="area_not_own_parent",
                violation_error_message="An area cannot be its own parent.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.code})"

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def get_absolute_url(self) -> str:
        return reverse("indicators:area_detail", kwargs={"slug": self.slug})

    def save(self, *args, **kwargs) -> None:
        self.slug = f"{slugify(self.display_name)}-{self.code.lower()}"
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        self._check_grouping()
        if self.parent_id is None:
            return
        # Walk up from the proposed parent: meeting this area again would make a loop.
        seen: set[int] = set()
        ancestor: Area | None = self.parent
        while ancestor is not None:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError(
                    {"parent": "This parent would make the area its own ancestor."}
                )
            if ancestor.pk in seen:
                break
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
        if _type_rank(self.parent.area_type) > _type_rank(self.area_type):
            raise ValidationError(
                {
                    "parent": f"A {self.get_area_type_display().lower()} cannot roll up to a "
                    f"smaller {self.parent.get_area_type_display().lower()}."
                }
            )

    def _check_grouping(self) -> None:
        """A statistical grouping is not a tier of the hierarchy: its code says what it is, it
        has no parent, and nothing rolls up to it."""
        if is_grouping_code(self.code) and self.area_type not in (AreaType.GROUPING, ""):
            raise ValidationError(
                {
                    "area_type": f"{self.code} is an ONS statistical grouping (E11 metropolitan "
                    f"counties, E13 Inner and Outer London), not a "
                    f"{self.get_area_type_display().lower()}: choose “Statistical grouping”."
                }
            )
        if self.area_type == AreaType.GROUPING and self.parent_id is not None:
            raise ValidationError(
                {
                    "parent": "A statistical grouping is not part of the hierarchy (district → "
                    "county → region → country): leave its parent empty."
                }
            )
        if self.parent_id is not None and self.parent.area_type == AreaType.GROUPING:
            raise ValidationError(
                {
                    "parent": f"{self.parent.display_name} is a statistical grouping, not part "
                    f"of the hierarchy: choose the county or region the area is in (London for "
                    f"a London borough, its region for a metropolitan district)."
                }
            )

    def ancestors(self) -> list[Area]:
        """The chain of parents, nearest first: Preston → Lancashire-12, North West, England."""
        chain: list[Area] = []
        node = self.parent
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return chain

    def comparators(self) -> list[Area]:
        """Areas this one is compared with: its ancestors, then members of its named groups."""
        found = self.ancestors()
        for group in self.comparator_groups.prefetch_related("members"):
            for member in group.members.all():
                if member != self and member not in found:
                    found.append(member)
        return found


def same_tier(a: str, b: str) -> bool:
    """Whether two area types are the same tier of the hierarchy, so that their areas are
    counted and ranked together: a county and a unitary authority are peers; a statistical
    grouping and “other” are no tier."""
    if AreaType.GROUPING in (a, b) or AreaType.OTHER in (a, b):
        return False
    return _type_rank(a) == _type_rank(b)


def _type_rank(area_type: str) -> int:
    order = [
        AreaType.COUNTRY,
        AreaType.REGION,
        AreaType.COUNTY,
        AreaType.UNITARY,
        AreaType.DISTRICT,
    ]
    # A unitary authority and a county are peers: both sit directly under a region.
    rank = {t.value: i for i, t in enumerate(order)}
    rank[AreaType.UNITARY] = rank[AreaType.COUNTY]
    return rank.get(area_type, len(order))


class ComparatorGroup(models.Model):
    """A named set of areas to compare with, beyond the hierarchy (e.g. statistical neighbours)."""

    name = models.CharField(max_length=120, unique=True)
    members_called = models.CharField(
        "members are called",
        max_length=60,
        blank=True,
        help_text="What the members are, in the plural, for sentences such as “compared with "
        "its 10 statistical neighbours”. Leave empty for “comparator areas”.",
    )
    description = models.TextField(
        blank=True, help_text="Where the group comes from, e.g. “CIPFA nearest neighbours 2023”."
    )
    areas = models.ManyToManyField(
        Area,
        related_name="comparator_groups",
        blank=True,
        help_text="The areas that use this group as comparators.",
    )
    members = models.ManyToManyField(
        Area,
        related_name="member_of_groups",
        blank=True,
        help_text="The areas they are compared with.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def noun(self) -> str:
        return self.members_called or "comparator areas"


class ChangeKind(models.TextChoices):
    RECODED = "recoded", "Recoded"  # a new code, the same area (often a small boundary change)
    RENAMED = "renamed", "Renamed"  # a new name, the same code
    MERGED = "merged", "Merged"  # several areas combined into a new one
    SPLIT = "split", "Split"  # an area divided between several new ones
    ABOLISHED = "abolished", "Abolished"  # a county whose whole area became one unitary


#: The kinds of change after which the old area no longer exists.
ENDING_KINDS = (ChangeKind.RECODED, ChangeKind.MERGED, ChangeKind.SPLIT, ChangeKind.ABOLISHED)


class AreaChangeQuerySet(models.QuerySet["AreaChange"]):
    def confirmed(self) -> AreaChangeQuerySet:
        return self.filter(confirmed=True)


class AreaChange(models.Model):
    """One line of the successor table: an old area (code) became a new one on a date, by a
    recoding, renaming, merger, split or abolition. A recoding is the same area under a new
    code, so the importer reads the old code as the new; after any other change the old area
    keeps its own figures, and its page and its successor's say what replaced what."""

    old_area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="successions")
    new_area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="predecessions")
    old_name = models.CharField(max_length=120)
    new_name = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=ChangeKind.choices)
    year = models.PositiveSmallIntegerField(help_text="The year the change took effect.")
    date = models.DateField(
        null=True, blank=True, help_text="The day it took effect, where the source gives it."
    )
    confirmed = models.BooleanField(
        default=True,
        help_text="False for a change the sources disagree about: it is shown as reported, "
        "not applied.",
    )
    source = models.TextField(blank=True)
    note = models.TextField(blank=True)

    objects = AreaChangeQuerySet.as_manager()

    class Meta:
        ordering = ["year", "date", "old_name", "new_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["old_area", "new_area", "kind"], name="area_change_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind="renamed") | ~Q(old_area=F("new_area")),
                name="area_change_new_code_unless_renamed",
                violation_error_message="Only a renaming keeps the area's code.",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.old_name} ({self.old_area.code}) {self.get_kind_display().lower()} → "
            f"{self.new_name} ({self.new_area.code}), {self.when}"
        )

    @property
    def when(self) -> str:
        """“1 April 2023”, or “2025” where only the year is known."""
        if self.date is None:
            return str(self.year)
        return long_date(self.date)
