"""A test-only app: a tiny stateful model that exercises the workflow mechanism (installed only by
``jingwu.test_settings``; production never sees its table)."""
