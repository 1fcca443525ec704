"""The core MkDocs plugin (`harvest`): story and index pages from the published archive."""
