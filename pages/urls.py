from django.urls import path

from core.caching import cache_public_page
from pages import views

app_name = "pages"

urlpatterns = [
    path("", cache_public_page(views.HomeView.as_view()), name="home"),
    path("a-z/", cache_public_page(views.AZIndexView.as_view()), name="a_z"),
    path("a-z/<str:letter>/", cache_public_page(views.AZLetterView.as_view()), name="a_z_letter"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("files/<int:pk>/<str:name>", views.download, name="download"),
    path("<path:path>/", cache_public_page(views.TopicDetailView.as_view()), name="topic"),
]
