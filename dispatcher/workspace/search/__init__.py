"""Searching the contact log by debtor, account, collector, campaign, channel, status, rule
and day of contact, and exporting what was found (CSV with a BOM, XLSX)."""
