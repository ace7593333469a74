from django.urls import path

from indicators import views

app_name = "indicators"

urlpatterns = [
    path("indicators/<slug:slug>/", views.IndicatorDetailView.as_view(), name="indicator_detail"),
    path("areas/<slug:slug>/", views.AreaDetailView.as_view(), name="area_detail"),
]
