"""Reproductions from an adversarial review of staged releases: each failed before its fix
(withheld figures shown as “previously …”, staged figures breaking secondary suppression,
unmasked previews for pre-release readers, stale “before” records at release, a withdrawn
figure coming back, a stray staged twin, a duplicate in the admin as a 500, overlapping
scheduled runs, a rule approved but not applied, the page's date) and passes now."""
