-- Marsad schema, version 1: the evidence model (see db/seed/README.md).
-- Every enumerated field has a CHECK; every list filter and sort order has an index.

CREATE TABLE dataset (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL CHECK (version >= 1),
    inputs_sha256 TEXT NOT NULL,
    updated_at TEXT
) STRICT;

CREATE TABLE topic (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL
) STRICT;

CREATE TABLE source (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    prefix TEXT UNIQUE,
    title TEXT NOT NULL,
    authors TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(authors) AND json_type(authors) = 'array'),
    publisher TEXT,
    original_publisher TEXT,
    published TEXT,
    published_precision TEXT CHECK (published_precision IN ('day', 'month', 'year')),
    published_basis TEXT,
    written TEXT,
    written_precision TEXT CHECK (written_precision IN ('day', 'month', 'year')),
    url TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('analysis', 'news', 'report', 'op-ed', 'cited')),
    language TEXT NOT NULL CHECK (length(language) BETWEEN 2 AND 8),
    note TEXT,
    revision INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at TEXT,
    updated_at TEXT,
    deleted_at TEXT,
    CHECK ((published IS NULL) = (published_precision IS NULL)),
    CHECK ((written IS NULL) = (written_precision IS NULL))
) STRICT;
CREATE INDEX source_kind ON source (kind, seq);
CREATE INDEX source_published ON source (published, seq);
CREATE INDEX source_title ON source (title COLLATE NOCASE, seq);

CREATE TABLE source_text (
    source_seq INTEGER PRIMARY KEY REFERENCES source (seq),
    body TEXT NOT NULL,
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    chars INTEGER NOT NULL CHECK (chars >= 0),
    bytes INTEGER NOT NULL CHECK (bytes >= 0)
) STRICT;

CREATE TABLE citation (
    citing_seq INTEGER NOT NULL REFERENCES source (seq),
    cited_seq INTEGER NOT NULL REFERENCES source (seq),
    label TEXT NOT NULL,
    note TEXT,
    PRIMARY KEY (citing_seq, label, cited_seq)
) STRICT;
CREATE INDEX citation_cited ON citation (cited_seq);

CREATE TABLE metric (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    unit TEXT NOT NULL,
    value_type TEXT NOT NULL CHECK (value_type IN ('number', 'date')),
    definition TEXT NOT NULL,
    counting_basis TEXT NOT NULL,
    -- 1: each subject (at a place) has one true value, so claims that differ contradict
    -- each other whatever time they speak of (a program's start date, a law's adoption)
    one_per_subject INTEGER NOT NULL DEFAULT 0 CHECK (one_per_subject IN (0, 1)),
    source_seq INTEGER REFERENCES source (seq) -- set when only one source uses it
) STRICT;

CREATE TABLE entity (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'organization', 'armed_group', 'place', 'event')),
    name TEXT NOT NULL,
    description TEXT
) STRICT;
CREATE INDEX entity_kind ON entity (kind, seq);
CREATE INDEX entity_name ON entity (name, seq);

CREATE TABLE entity_alias (
    entity_seq INTEGER NOT NULL REFERENCES entity (seq),
    alias TEXT NOT NULL,
    PRIMARY KEY (entity_seq, alias)
) STRICT;
CREATE INDEX entity_alias_alias ON entity_alias (alias COLLATE NOCASE);

CREATE TABLE program (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('program', 'policy', 'law', 'institution', 'initiative',
                                       'security_mechanism')),
    description TEXT,
    revision INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at TEXT,
    updated_at TEXT,
    deleted_at TEXT
) STRICT;
CREATE INDEX program_kind ON program (kind, seq);
CREATE INDEX program_name ON program (name, seq);

CREATE TABLE program_alias (
    program_seq INTEGER NOT NULL REFERENCES program (seq),
    alias TEXT NOT NULL,
    PRIMARY KEY (program_seq, alias)
) STRICT;
CREATE INDEX program_alias_alias ON program_alias (alias COLLATE NOCASE);

CREATE TABLE claim (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    source_seq INTEGER NOT NULL REFERENCES source (seq),
    quote TEXT NOT NULL CHECK (length(quote) > 0),
    quote_start INTEGER NOT NULL CHECK (quote_start >= 0),   -- code points, inclusive
    quote_end INTEGER NOT NULL,                              -- code points, exclusive
    byte_start INTEGER NOT NULL CHECK (byte_start >= 0),
    byte_end INTEGER NOT NULL,
    statement TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('statistic', 'event', 'policy', 'assessment',
                                       'recommendation', 'testimony')),
    metric_seq INTEGER REFERENCES metric (seq),
    value REAL,
    lower REAL,
    upper REAL,
    bound TEXT CHECK (bound IN ('exact', 'approx', 'at_least', 'more_than', 'up_to',
                                'less_than', 'range', 'vague')),
    vague_term TEXT,
    unit TEXT,
    value_date TEXT,
    value_text TEXT,
    as_of TEXT,
    period_start TEXT,
    period_end TEXT,
    time_start INTEGER, -- first day the statement is about (days since 1970-01-01)
    time_end INTEGER,   -- last day
    time_basis TEXT,
    place_seq INTEGER REFERENCES entity (seq),
    claimant TEXT NOT NULL,
    claimant_kind TEXT NOT NULL CHECK (claimant_kind IN ('author', 'official', 'government',
        'expert', 'organization', 'media', 'participant', 'lawyer', 'unattributed')),
    claimant_entity_seq INTEGER REFERENCES entity (seq),
    subject_program_seq INTEGER REFERENCES program (seq),
    subject_entity_seq INTEGER REFERENCES entity (seq),
    attribute TEXT CHECK (attribute IN ('start_date', 'lead_agency', 'partners', 'components',
        'target_group', 'round_length', 'participants', 'graduates', 'applicants', 'places',
        'outcome', 'eligibility', 'legal_basis', 'penalty', 'aim', 'oversight', 'status',
        'name')),
    footnote_seq INTEGER REFERENCES source (seq),
    note TEXT,
    revision INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at TEXT,
    updated_at TEXT,
    deleted_at TEXT,
    CHECK (quote_end > quote_start AND byte_end > byte_start),
    CHECK (as_of IS NULL OR period_start IS NULL),
    CHECK ((period_start IS NULL) = (period_end IS NULL)),
    CHECK ((time_start IS NULL) = (time_end IS NULL) AND (time_start IS NULL OR time_start <= time_end)),
    CHECK (lower IS NULL OR upper IS NULL OR lower <= upper),
    CHECK (value IS NULL OR lower IS NULL OR lower <= value),
    CHECK (value IS NULL OR upper IS NULL OR value <= upper),
    CHECK ((metric_seq IS NULL) = (bound IS NULL)),
    CHECK (bound IS NOT 'vague' OR (value IS NULL AND lower IS NULL AND upper IS NULL AND vague_term IS NOT NULL)),
    CHECK (bound IS NOT 'range' OR value_date IS NOT NULL OR (lower IS NOT NULL AND upper IS NOT NULL)),
    CHECK (subject_program_seq IS NULL OR subject_entity_seq IS NULL),
    CHECK (attribute IS NULL OR subject_program_seq IS NOT NULL)
) STRICT;
CREATE INDEX claim_source ON claim (source_seq, deleted_at, seq);
CREATE INDEX claim_metric ON claim (metric_seq, deleted_at, seq);
CREATE INDEX claim_metric_time ON claim (metric_seq, time_start, seq);
CREATE INDEX claim_program ON claim (subject_program_seq, seq);
CREATE INDEX claim_subject_entity ON claim (subject_entity_seq, seq);
CREATE INDEX claim_place ON claim (place_seq, deleted_at, seq);
CREATE INDEX claim_kind ON claim (kind, deleted_at, seq);
CREATE INDEX claim_claimant ON claim (claimant COLLATE NOCASE, seq);
CREATE INDEX claim_claimant_entity ON claim (claimant_entity_seq, seq);
CREATE INDEX claim_footnote ON claim (footnote_seq);
CREATE INDEX claim_time ON claim (time_start, seq);
CREATE INDEX claim_value ON claim (value, seq);

CREATE TABLE claim_topic (
    claim_seq INTEGER NOT NULL REFERENCES claim (seq),
    topic_id TEXT NOT NULL REFERENCES topic (id),
    PRIMARY KEY (claim_seq, topic_id)
) STRICT;
CREATE INDEX claim_topic_topic ON claim_topic (topic_id, claim_seq);

-- Entities and programs a claim's quote mentions.
CREATE TABLE claim_mention (
    claim_seq INTEGER NOT NULL REFERENCES claim (seq),
    entity_seq INTEGER REFERENCES entity (seq),
    program_seq INTEGER REFERENCES program (seq),
    CHECK ((entity_seq IS NULL) <> (program_seq IS NULL))
) STRICT;
CREATE UNIQUE INDEX claim_mention_unique ON claim_mention (claim_seq, entity_seq, program_seq);
CREATE INDEX claim_mention_entity ON claim_mention (entity_seq, claim_seq);
CREATE INDEX claim_mention_program ON claim_mention (program_seq, claim_seq);

-- Every change made through the write API: nothing is ever lost.
CREATE TABLE revision (
    seq INTEGER PRIMARY KEY,
    resource TEXT NOT NULL CHECK (resource IN ('source', 'claim', 'program')),
    resource_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'restore')),
    actor TEXT NOT NULL,
    reason TEXT,
    at TEXT NOT NULL,
    before TEXT CHECK (before IS NULL OR json_valid(before)),
    after TEXT CHECK (after IS NULL OR json_valid(after)),
    dataset_version INTEGER NOT NULL
) STRICT;
CREATE INDEX revision_resource ON revision (resource, resource_id, seq);

CREATE TABLE api_token (
    name TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
    scope TEXT NOT NULL CHECK (scope IN ('write', 'admin')),
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;

-- Full-text index over claims, sources and programs; aliases are indexed with
-- the records they name so one spelling finds the others.
CREATE VIRTUAL TABLE search_index USING fts5 (
    doc_type UNINDEXED,
    doc_id UNINDEXED,
    title,
    body,
    aliases,
    tokenize = 'unicode61 remove_diacritics 2'
);
