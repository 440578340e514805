"""Ingest stage: fetch feeds and pages safely, parse and normalise them into records."""
