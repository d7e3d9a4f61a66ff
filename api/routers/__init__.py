"""HTTP routes, one router per resource; each route parses, calls one service, and shapes the
answer. Authorisation is declared in the signature: `Annotated[TenantAccess, require(Permission.X)]`
names the permission a tenant route needs (api.auth.policy decides who holds it)."""
