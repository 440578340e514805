-- articles: one row per stored article, its latest version.
--   article_id    stable id of the article (hash of its canonical URL, else of its feed entry)
--   url           canonical URL (tracking parameters stripped, rel=canonical followed)
--   source        outlet (the feed's source name, or --source for an article given by hand)
--   title         headline, plain text
--   published_at  publication time in UTC; the first-seen time when the source gave none or an implausible one
--   date_trusted  false when published_at is the first-seen time
--   language      ISO 639-1 code detected from the text
--   duplicate_of  article_id of the original when this is a syndicated copy, else NULL
--   text          main text, plain
--   version       how many versions the source has published (1 = never changed)
--   feed_id       feed it came from (NULL for articles given by hand)
--   fetched_at    when this version was stored
CREATE OR REPLACE VIEW articles AS
SELECT
    v.article_id,
    v.url,
    v.source,
    v.title,
    v.published_at,
    v.date_trusted,
    v.language,
    v.duplicate_of,
    v.text,
    v.version,
    v.feed_id,
    v.fetched_at
FROM article_versions AS v
QUALIFY row_number() OVER (PARTITION BY v.article_id ORDER BY v.version DESC) = 1;
