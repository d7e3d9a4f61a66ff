"""Who is calling: roles, sign-in providers (OIDC, GitHub), session and share tokens, API keys."""
