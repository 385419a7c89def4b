"""What the pages (`shopfloor.web`) and the JSON API (`shopfloor.api`) both use: request
hooks, error responses, idempotent requests, downloads and links into the app. Both import
from here; neither imports the other (docs/ARCHITECTURE.md, layers)."""
