"""Accounts, login, API tokens, and who may see which case."""
