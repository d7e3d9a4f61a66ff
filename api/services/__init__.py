"""Use cases: each takes what it needs (a session, a tenant scope, ports, the clock), applies the
business rules, records the audit entry and commits. Routes only translate HTTP to these calls."""
