from django.apps import AppConfig


class WorkordersConfig(AppConfig):
    name = "jingwu.workorders"
    label = "workorders"
    verbose_name = "接诉即办"

    def ready(self) -> None:
        # The home page's 待办 lists what the user must sign for, handle, call back or approve.
        from jingwu.core.home import register_pending

        from .mywork import pending_items  # my work, each item linking to its order

        register_pending(pending_items)

        # An order's attachments are visible to whoever sees the order (接诉即办 scope).
        from jingwu.core.attachments.selectors import register_owner
        from jingwu.org.roles import Cap

        from .models import WorkOrder

        register_owner(WorkOrder, lambda user: WorkOrder.objects.visible_to(user, Cap.VIEW_WORKORDER))
