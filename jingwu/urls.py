from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from jingwu.core import api as core_api
from jingwu.core import views as core_views
from jingwu.core import views_auth

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", views_auth.LoginView.as_view(), name="login"),
    path("login/otp/", views_auth.otp_verify, name="otp-verify"),
    path("login/otp/setup/", views_auth.otp_setup, name="otp-setup"),
    path("account/two-step/", views_auth.two_step, name="two-step"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("org/", include("jingwu.org.urls")),
    path("core/", include("jingwu.core.urls")),
    path("workorders/", include("jingwu.workorders.urls")),
    path("cases/", include("jingwu.cases.urls")),
    path("open311/v2/", include("jingwu.workorders.open311.urls")),
    path("disclosure/", include("jingwu.cases.disclosure.urls")),
    path("api/v1/", include("jingwu.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", core_api.api_docs, name="api-docs"),  # vendored Swagger UI, no CDN
]
