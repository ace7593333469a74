from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, str]:
    # search_query: the search view sets it to what was searched for, to fill the header box.
    return {"site_name": settings.SITE_NAME, "search_query": ""}
