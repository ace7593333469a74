from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "Indicator data"

    def ready(self) -> None:
        from core.caching import CONTENT, INDICATORS, REFERENCE, changes_tags, tag

        # What each change empties (core/caching.py): a figure, the pages of its indicator
        # and area; an indicator's metadata, its pages and the lists that name it; reference
        # data, every page that shows figures.
        changes_tags(
            "indicators.Value",
            lambda v: (tag("indicator", v.indicator_id), tag("area", v.area_id)),
        )
        changes_tags(
            "indicators.Indicator",
            lambda i: (tag("indicator", i.pk), INDICATORS, CONTENT),
        )
        for model in ("indicators.Period", "indicators.Breakdown", "indicators.AreaChange"):
            changes_tags(model, lambda instance: (REFERENCE,))
        changes_tags(
            "indicators.Area",
            lambda area: (REFERENCE, tag("area", area.pk)),
            m2m=("indicators.Area_groupings",),
        )
        changes_tags(
            "indicators.ComparatorGroup",
            lambda group: (REFERENCE,),
            m2m=("indicators.ComparatorGroup_areas", "indicators.ComparatorGroup_members"),
        )
