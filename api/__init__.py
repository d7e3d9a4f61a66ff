"""The SaaS facade: a small FastAPI service over the cluster state (tenants, members, SSO and API
keys, projects and runs as custom resources, share links, Stripe billing, admin and audit).

Entry point: `api.main:create_app(settings)`. Layers point inward: routers -> services ->
repositories and ports (`api.db`, `api.cluster`, `api.billing`, `api.auth.provider`).
"""
