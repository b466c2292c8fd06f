"""Pages of 警情与案件 (thin: reads through selectors and ``visible_to``, writes through services)."""
