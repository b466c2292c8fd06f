from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jingwu.core"
    label = "core"
    verbose_name = "核心机制"
