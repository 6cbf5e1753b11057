"""Who may see what: people's accounts and sign-in, sessions and CSRF, roles, and which
debtors each collector is assigned."""
