"""Routes filled in by the module that owns them; included from the app's urls.py."""

urlpatterns: list = []
