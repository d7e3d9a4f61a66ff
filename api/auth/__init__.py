"""Who is calling: roles, OIDC sign-in, session and share tokens, API keys."""
