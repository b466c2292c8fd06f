from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "jingwu.cases"
    label = "cases"
    verbose_name = "警情与案件"

    def ready(self) -> None:
        # A transfer's documents are visible to whoever sees the transfer: police users through
        # cases.view in their scope, a partner account for its own agency's transfers only.
        from jingwu.core.attachments.selectors import register_owner

        from .models.agencies import InterAgencyTransfer, transfers_visible_to

        register_owner(InterAgencyTransfer, transfers_visible_to)
