from django.apps import AppConfig


class WorkflowAppConfig(AppConfig):
    name = "jingwu.testing.workflowapp"
    label = "workflowapp"
    verbose_name = "流程测试"
