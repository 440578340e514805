"""The extraction stage: companies, people, figures, partnerships and relevance from article text.

Build an ``Extractor`` once from the catalogue and the watches, then call ``extract`` or
``extract_many``; ``evaluate`` scores it on the gold sets in tests/gold/.
"""

from evwatch.extract.pipeline import EXTRACTOR_VERSION, Extractor, extract_articles

__all__ = ["EXTRACTOR_VERSION", "Extractor", "extract_articles"]
