-- 001: feeds and their fetch state, problems, runs, feed entries and article versions.
-- Timestamps are UTC (TIMESTAMP without zone; every connection sets TimeZone = 'UTC').

-- One row per configured feed (by name): the incremental cursor and its health.
CREATE TABLE feeds (
    feed_id              VARCHAR PRIMARY KEY,   -- the feed's name in config/feeds.yaml
    location             VARCHAR NOT NULL,      -- URL or local path
    etag                 VARCHAR,               -- for conditional GET
    last_modified        VARCHAR,
    last_attempt_at      TIMESTAMP,
    last_success_at      TIMESTAMP,
    last_status          INTEGER,               -- HTTP status of the last attempt (304, 200, ...)
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_error           VARCHAR,
    entries_seen         BIGINT NOT NULL DEFAULT 0,   -- entries in the feed at the last success
    new_articles         BIGINT NOT NULL DEFAULT 0,   -- articles stored by the last success
    total_articles       BIGINT NOT NULL DEFAULT 0    -- articles stored from this feed so far
);

-- One row per pipeline run.
CREATE TABLE runs (
    run_id          VARCHAR PRIMARY KEY,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP,
    trigger         VARCHAR,          -- run, serve, ingest, replay
    feeds_ok        INTEGER,
    feeds_failed    INTEGER,
    entries_seen    INTEGER,
    new_articles    INTEGER,
    new_versions    INTEGER,
    duplicates      INTEGER,          -- syndicated copies stored and linked to an original
    problems        INTEGER
);

-- One row per problem met while fetching, parsing or storing: a bad source is data, not a crash.
CREATE TABLE fetch_problems (
    problem_id   VARCHAR PRIMARY KEY, -- hash of run, source and message
    run_id       VARCHAR,
    occurred_at  TIMESTAMP NOT NULL,
    feed_id      VARCHAR,             -- NULL for a page or file given by hand
    url          VARCHAR,
    stage        VARCHAR NOT NULL,    -- config, fetch, parse, page, store
    kind         VARCHAR NOT NULL,    -- error class, e.g. NotAFeedError, FetchTimeoutError, bozo
    message      VARCHAR NOT NULL
);

-- One row per feed entry ever seen (a stable id even without GUID or link).
CREATE TABLE entries (
    entry_id       VARCHAR PRIMARY KEY,   -- hash of feed and GUID, else link, else title + date
    feed_id        VARCHAR NOT NULL,
    guid           VARCHAR,
    link           VARCHAR,
    title          VARCHAR,
    published_at   TIMESTAMP,
    updated_at     TIMESTAMP,
    entry_hash     VARCHAR,               -- hash of the entry as the feed gave it, to skip unchanged entries
    article_id     VARCHAR,
    first_seen_at  TIMESTAMP NOT NULL,
    last_seen_at   TIMESTAMP NOT NULL
);

-- One row per version of an article. A new version is stored when the content at the source
-- changes; an identical re-read stores nothing.
CREATE TABLE article_versions (
    article_id        VARCHAR NOT NULL,   -- stable: hash of canonical URL, else of the entry id
    version           INTEGER NOT NULL,   -- 1, 2, ...
    content_hash      VARCHAR NOT NULL,   -- hash of normalised title + text
    url               VARCHAR,            -- canonical URL (tracking parameters stripped, rel=canonical followed)
    link              VARCHAR,            -- the link as found (feed entry or given by hand)
    source            VARCHAR,            -- outlet
    feed_id           VARCHAR,
    entry_id          VARCHAR,
    guid              VARCHAR,
    title             VARCHAR,
    summary           VARCHAR,
    text              VARCHAR,
    raw_html          VARCHAR,            -- the page or entry HTML, for re-extraction without refetching
    published_at      TIMESTAMP,          -- UTC; first-seen time when the source gave none or an implausible one
    date_trusted      BOOLEAN NOT NULL,   -- false: published_at is the first-seen time
    date_note         VARCHAR,            -- why the date is not trusted (missing, future, before 1990)
    language          VARCHAR,
    origin            VARCHAR NOT NULL,   -- feed, page, manual
    fetched_at        TIMESTAMP NOT NULL,
    duplicate_of      VARCHAR,            -- the original this is a syndicated copy of
    similarity        DOUBLE,             -- estimated Jaccard similarity to the original
    PRIMARY KEY (article_id, version)
);

-- One row per article: its MinHash signature, for finding syndicated copies in later runs.
CREATE TABLE article_signatures (
    article_id  VARCHAR PRIMARY KEY,
    signature   UBIGINT[] NOT NULL
);

-- One row per alias under which an article was seen (other GUIDs, links or identical content
-- elsewhere), so the same article is recognised again without storing it twice.
CREATE TABLE article_aliases (
    alias       VARCHAR PRIMARY KEY,      -- 'guid:...', 'url:...', 'content:...'
    article_id  VARCHAR NOT NULL
);
