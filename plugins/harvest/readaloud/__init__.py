"""Read-aloud: story parts and timings, reading sessions, and the `harvest-readaloud` plugin."""
