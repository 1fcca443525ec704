"""The "Contribute a story" page and its `harvest-contribute` plugin."""
