"""Federation: autonomous archives exchange signed bundles of the stories they share, with no centre.

- `export`: our exchange bundle (what one profile may show, redacted, images stripped; signed).
- `peers`: stories/federation.yml, the archives we follow and what we do with their stories.
- `bundle`: the bundle's layout, and reading one safely (paths, ids, sizes, manifest).
- `pull`: fetch, verify and store a peer's bundle under stories/_federation/<peer>/.
- `stories`: peer stories as part of our scan, namespaced `<peer>--<id>`, problems as the peer's.
- `plugin`: the Federation pages of the site.
"""
