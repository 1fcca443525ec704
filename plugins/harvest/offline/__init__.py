"""Offline copies: build the site for file://, check it loads nothing from outside, pack it into a
reproducible zip with a manifest, digest and optional OpenSSH signature, and verify such a zip."""
