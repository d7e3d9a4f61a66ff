"""HTTP routes, one router per resource; each route parses, calls one service, and shapes the
answer. Authorisation is declared in the signature through the `*Access` dependencies."""
