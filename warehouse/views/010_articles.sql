-- articles: one row per stored article, its latest version.
--   article_id        stable id of the article (hash of its canonical URL, else of its feed entry)
--   url               canonical URL (tracking parameters stripped, rel=canonical followed)
--   source            outlet (the feed's source name, or --source for an article given by hand)
--   title             headline, plain text
--   published_at      publication time in UTC; the first-seen time when the source gave none or an implausible one
--   language          ISO 639-1 code detected from the text
--   duplicate_of      article_id of the original when this is a syndicated copy, else NULL
--   text              main text, plain; mentions' char_start/char_end index into it
--   relevance         0..1, how much the article is about the default watch's story
--   relevance_label   core (the story itself), context, adjacent (other tech–auto tie-ups), none
--   relevance_reasons what produced the label, as short phrases
--   date_trusted      false when published_at is the first-seen time
--   version           how many versions the source has published (1 = never changed)
--   feed_id           feed it came from (NULL for articles given by hand)
--   fetched_at        when this version was stored
CREATE OR REPLACE VIEW articles AS
WITH latest AS (
    SELECT *
    FROM article_versions
    QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY version DESC) = 1
), default_relevance AS (
    SELECT *
    FROM article_relevance
    QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY watch_rank, watch) = 1
)
SELECT
    v.article_id,
    v.url,
    v.source,
    v.title,
    v.published_at,
    v.language,
    v.duplicate_of,
    v.text,
    r.score   AS relevance,
    r.label   AS relevance_label,
    r.reasons AS relevance_reasons,
    v.date_trusted,
    v.version,
    v.feed_id,
    v.fetched_at
FROM latest AS v
LEFT JOIN default_relevance AS r USING (article_id);
