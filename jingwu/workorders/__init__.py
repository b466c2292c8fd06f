"""接诉即办: citizen demands handled as deadline-bound work orders (see issue 4 and METRICS.md)."""
