"""Compliance actions: approving a template version (its diff and civility findings) and
pausing and resuming sending, each behind a confirm step and a reason."""
