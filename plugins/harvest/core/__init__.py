"""The domain: settings, story files, validation, privacy and the published archive. No MkDocs here."""
