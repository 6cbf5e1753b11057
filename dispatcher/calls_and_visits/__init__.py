"""Collectors' calls and on-site visits: planning, progress, outcomes and dispositions."""
