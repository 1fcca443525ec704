"""`harvest collect`: a collection point for an assembly, and `harvest inbox`: its moderation.

Plain-Python parts (form, receipts, moderation, photos) have no web dependency; only
`server.py` and `guard.py` need the optional `collect` extra (Starlette, uvicorn, python-multipart).
Nothing here publishes: contributions land in `stories/_inbox/`, which no build reads.
"""
