"""A debtor as the contact log stores it and the rules read it: record, phones, addresses."""
