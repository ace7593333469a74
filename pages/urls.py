from django.urls import path

from core.kept_pages import cache_public_page
from pages import views

app_name = "pages"

urlpatterns = [
    path("", cache_public_page(views.HomeView.as_view()), name="home"),
    path("a-z/", cache_public_page(views.AZIndexView.as_view()), name="a_z"),
    path("a-z/<str:letter>/", cache_public_page(views.AZLetterView.as_view()), name="a_z_letter"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("files/<int:pk>/<str:name>", views.download, name="download"),
    # Before the topic pages' addresses, which would otherwise read "overview" as a page's slug
    # (a page whose slug is "overview" still answers there: the view passes it on).
    path(
        "<path:path>/overview/",
        cache_public_page(views.TopicOverviewView.as_view()),
        name="topic_overview",
    ),
    path("<path:path>/", cache_public_page(views.TopicDetailView.as_view()), name="topic"),
]
