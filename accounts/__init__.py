"""Accounts: sign-up, log-in, profiles, bot accounts and their personal API tokens."""
