from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jingwu.core"
    label = "core"
    verbose_name = "核心机制"

    def ready(self) -> None:
        # Login, logout, failed login and lockout only write audit rows (infrastructure logging).
        from .security import connect_signals

        connect_signals()

        # Metric definitions live in jingwu/<app>/metrics.py; import them explicitly (no signals).
        from .metrics import autodiscover

        autodiscover()
