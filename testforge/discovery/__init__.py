"""Discovery: crawl a web application in a real browser and model what a user can do there."""
