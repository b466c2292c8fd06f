from django.urls import include, path, re_path

from jingwu.core.api import api_not_found
from jingwu.core.attachments.views import AttachmentDownloadView
from jingwu.org.api.views import ObtainTokenView

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("org/", include("jingwu.org.api.urls")),
    path("workorders/", include("jingwu.workorders.api.urls")),
    path("cases/", include("jingwu.cases.api.urls")),
    path("attachments/<int:pk>/", AttachmentDownloadView.as_view(), name="api-attachment-download"),
    # Last: any other path ending in "/" is a JSON 404 (paths without the slash still get
    # APPEND_SLASH's redirect first, then land here).
    # ([\s\S]: a newline in the path too — plain ``.`` would leave it to the HTML 404 page)
    re_path(r"^(?:[\s\S]*/)?$", api_not_found),
]
