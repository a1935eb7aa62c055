-- Marsad schema, version 3: large revision fields stored once per distinct content.
-- A revision keeps each top-level string member of its before/after documents that is
-- at least 1024 bytes long (a source's text, a long note) as {"$blob": "<sha256 hex>"}
-- and the string itself once here, however many revisions carry it. Revisions written
-- before this version keep such members inline; reads accept both forms.
CREATE TABLE revision_blob (
    seq INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    body TEXT NOT NULL
) STRICT;
