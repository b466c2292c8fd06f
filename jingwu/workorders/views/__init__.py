"""Pages of 接诉即办: list (filters, saved filters, Excel ledger), intake, detail with its action
panel, my work. Thin: reads through selectors and ``visible_to``, writes through the services."""
