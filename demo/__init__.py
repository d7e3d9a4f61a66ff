"""The TestForge demo shop: a small server-rendered web app in three versions to crawl and test."""
