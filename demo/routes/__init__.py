"""HTTP entry points of the demo shop, one thin router per resource."""
