"""The contracts between TestForge's processes, each defined once and used on both sides:
operator and sandbox runner (`sandbox`), executor and the generated suites' runtime
(`runtime`), and the environment variables that carry settings across (`env`)."""
