-- 003: developments of each watch, their sources and history, and the alert outbox.

-- One row per development (a fact with a stable key) of a watch.
CREATE TABLE developments (
    development_id   VARCHAR PRIMARY KEY,   -- hash of watch and key
    watch            VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL,      -- partnership, meeting, figure
    key              VARCHAR NOT NULL,      -- e.g. partnership|Samsung|Xiaomi|supply|batteries
    summary          VARCHAR NOT NULL,      -- one line
    subject          VARCHAR,               -- partnership: company_a's group; figure: the company's group
    object           VARCHAR,               -- partnership: company_b's group
    relation         VARCHAR,
    topic            VARCHAR,
    stage            VARCHAR,
    metric           VARCHAR,
    value            DOUBLE,
    unit             VARCHAR,
    period           VARCHAR,               -- figure: its period; meeting: the month it took place
    figure_kind      VARCHAR,               -- actual, target, forecast
    status           VARCHAR NOT NULL,      -- new, updated, conflict
    conflict         VARCHAR,               -- the disagreeing values and their sources when status = conflict
    conflict_claims  VARCHAR[] NOT NULL,    -- the disagreeing stages or values (empty unless status = conflict)
    held             BOOLEAN NOT NULL,      -- speculative, waiting for more independent sources before it alerts
    units            VARCHAR[] NOT NULL,    -- the named units behind the groups (Samsung SDI, Xiaomi EV)
    score            DOUBLE NOT NULL,
    reasons          VARCHAR[] NOT NULL,
    alert_class      VARCHAR NOT NULL,      -- now, digest, none (from the watch's rules)
    evidence         VARCHAR,               -- the sentence of the report that set the current state
    first_seen_at    TIMESTAMP NOT NULL,    -- publication time of the first report
    last_seen_at     TIMESTAMP NOT NULL,    -- publication time of the latest counted report
    updated_at       TIMESTAMP,             -- publication time of the last update or conflict
    first_article_id VARCHAR NOT NULL,
    source_count     INTEGER NOT NULL,      -- independent sources (distinct outlets; syndicated copies count once)
    scored_at        TIMESTAMP NOT NULL,    -- the run time the score and reasons were computed for
    UNIQUE (watch, key)
);

-- One row per development and article that reported it.
CREATE TABLE development_sources (
    development_id   VARCHAR NOT NULL,
    article_id       VARCHAR NOT NULL,
    role             VARCHAR NOT NULL,      -- first report, corroboration, update, conflict, copy, superseded
    published_at     TIMESTAMP NOT NULL,
    source           VARCHAR,
    url              VARCHAR,
    title            VARCHAR,
    stage            VARCHAR,
    value            DOUBLE,
    unit             VARCHAR,
    relevance        DOUBLE,
    relevance_label  VARCHAR,
    evidence         VARCHAR,
    PRIMARY KEY (development_id, article_id)
);

-- One row per change of a development's field.
CREATE TABLE development_history (
    development_id   VARCHAR NOT NULL,
    changed_at       TIMESTAMP NOT NULL,    -- publication time of the report that made the change
    change           VARCHAR NOT NULL,      -- new, updated, conflict
    field            VARCHAR NOT NULL,      -- created, stage, value, status
    old              VARCHAR,
    new              VARCHAR,
    article_id       VARCHAR NOT NULL,
    PRIMARY KEY (development_id, changed_at, field, article_id)
);

-- Which articles each watch has already taken into account (so a rerun adds nothing).
CREATE TABLE watch_articles (
    watch            VARCHAR NOT NULL,
    article_id       VARCHAR NOT NULL,
    processed_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (watch, article_id)
);

-- The outbox: one row per message and channel. Written in the same transaction as the
-- developments it reports; a delivery step sends what is pending.
CREATE TABLE alerts (
    alert_id         VARCHAR PRIMARY KEY,   -- also the idempotency key sent with the message
    message_id       VARCHAR NOT NULL,      -- the same for every channel's copy of one message
    watch            VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL,      -- alert, digest, notice
    created_at       TIMESTAMP NOT NULL,
    channel          VARCHAR NOT NULL,
    status           VARCHAR NOT NULL,      -- pending, sending, sent, failed (gave up)
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP,
    sent_at          TIMESTAMP,
    last_error       VARCHAR,
    development_ids  VARCHAR[] NOT NULL,
    summary          VARCHAR NOT NULL,      -- one line
    title            VARCHAR NOT NULL,
    body_text        VARCHAR NOT NULL,
    body_markdown    VARCHAR NOT NULL,
    body_html        VARCHAR NOT NULL
);

-- One row per delivery attempt.
CREATE TABLE alert_attempts (
    alert_id         VARCHAR NOT NULL,
    attempt          INTEGER NOT NULL,
    attempted_at     TIMESTAMP NOT NULL,
    ok               BOOLEAN NOT NULL,
    error            VARCHAR,
    PRIMARY KEY (alert_id, attempt)
);

-- One row per channel: its health, so a channel that keeps failing raises one notice.
CREATE TABLE channel_state (
    channel              VARCHAR PRIMARY KEY,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    failing_since        TIMESTAMP,
    notice_sent          BOOLEAN NOT NULL DEFAULT false,   -- the operator was told it is failing
    last_ok_at           TIMESTAMP,
    last_error           VARCHAR
);

-- One row per digest period and watch already rendered.
CREATE TABLE digests (
    watch            VARCHAR NOT NULL,
    period_start     TIMESTAMP NOT NULL,
    period_end       TIMESTAMP NOT NULL,
    message_id       VARCHAR NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (watch, period_start)
);
