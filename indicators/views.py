from django.views.generic import DetailView

from indicators.models import Area, Indicator


class IndicatorDetailView(DetailView):
    model = Indicator


class AreaDetailView(DetailView):
    model = Area
    queryset = Area.objects.select_related("parent")
