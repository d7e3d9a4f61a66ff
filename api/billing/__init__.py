"""Billing: plans and their quotas (pure), and the Stripe port and adapter."""
