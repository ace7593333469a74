from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "Indicator data"

    def ready(self) -> None:
        from core.caching import bump_on_change

        # The figures the public sees: a change to any makes every cached page out of date.
        bump_on_change(
            "indicators.Area",
            "indicators.Indicator",
            "indicators.Period",
            "indicators.Breakdown",
            "indicators.Value",
            "indicators.ComparatorGroup",
            "indicators.AreaChange",
            m2m=(
                "indicators.Area_groupings",
                "indicators.ComparatorGroup_areas",
                "indicators.ComparatorGroup_members",
            ),
        )
