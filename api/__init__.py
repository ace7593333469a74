"""The open-data API at /api/v1/: the website's public figures and metadata as JSON and CSV,
with its OpenAPI document and docs (issue 18)."""
