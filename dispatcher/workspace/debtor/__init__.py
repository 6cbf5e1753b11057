"""A debtor's page: every contact on one time line on the debtor's clock, verdicts in plain
language, holds, risk flags, and each entry's seal status."""
