-- Marsad schema, version 6: where an accepted claim came from.
-- A claim a curator accepted from the server's proposals (POST /v1/extract,
-- GET /v1/sources/{id}/candidates) records the candidate's id, "<rule>@<start>-<end>":
-- the extraction rule and the code point offsets of the figure in its source's text.
ALTER TABLE claim ADD COLUMN candidate TEXT
    CHECK (candidate IS NULL OR (length(candidate) BETWEEN 5 AND 80 AND
                                 candidate GLOB '[a-z]*@[0-9]*-[0-9]*'));
