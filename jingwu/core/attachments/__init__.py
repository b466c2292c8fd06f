"""Attachments (附件), one mechanism for every module: files checked by content, stored under
MEDIA_ROOT at random names, listed with their owner and downloaded only through a scoped,
audited view. See docs/attachments.md."""
