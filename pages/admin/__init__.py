"""The admin of topics (with their sections, links, workflow and history), page authors and
teams. Importing the modules registers their admins with the site."""

from pages.admin import people, topics  # noqa: F401
