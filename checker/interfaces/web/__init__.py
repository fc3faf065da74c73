"""`carbon-check serve`: the self-check as a local web app and a JSON API (the `web` extra)."""
