"""Accounts: login by e-mailed link (and password for staff), server-side sessions, log out
everywhere, API tokens, and the profile (language, channel, calendar feed)."""
