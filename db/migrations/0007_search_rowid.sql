-- Marsad schema, version 7: the search index keyed by its records' seq.
--
-- A row's rowid is seq * 4 + the kind of record (0 claim, 1 program, 2 source: the
-- order of the type names), so a write replaces a record's row by rowid instead of
-- scanning every row's doc_type and doc_id, a search filters on the type and ranks
-- without reading the stored columns, and a claim row joins its claim by primary key.
-- The evidence a snippet is cut from has its own column (body: a claim's quote, a
-- source's note, a program's description), the rest of the indexed text is in extra
-- (a claim's claimant, value text and note; a source's publishers and authors), with
-- the same weight as body, so that ranks are those of version 6.
-- The rows are those of search_repo_rebuild() (server/search_repo.c): on a fresh
-- database the tables are still empty here and the loader fills the index afterwards.
DROP TABLE search_index;
CREATE VIRTUAL TABLE search_index USING fts5 (
    doc_type UNINDEXED,
    doc_id UNINDEXED,
    title,
    body,
    aliases,
    extra,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO search_index (rowid, doc_type, doc_id, title, body, aliases, extra)
SELECT c.seq * 4, 'claim', c.id, c.statement, c.quote,
       (SELECT group_concat(a, ' ') FROM (
            SELECT ea.alias AS a FROM claim_mention m
                JOIN entity_alias ea ON ea.entity_seq = m.entity_seq WHERE m.claim_seq = c.seq
            UNION SELECT e.name FROM claim_mention m
                JOIN entity e ON e.seq = m.entity_seq WHERE m.claim_seq = c.seq
            UNION SELECT pa.alias FROM claim_mention m
                JOIN program_alias pa ON pa.program_seq = m.program_seq WHERE m.claim_seq = c.seq
            UNION SELECT p.name FROM claim_mention m
                JOIN program p ON p.seq = m.program_seq WHERE m.claim_seq = c.seq
            UNION SELECT p.name FROM program p WHERE p.seq = c.subject_program_seq
            UNION SELECT pa.alias FROM program_alias pa WHERE pa.program_seq = c.subject_program_seq
            ORDER BY 1)),
       c.claimant || ' ' || coalesce(c.value_text, '') || ' ' || coalesce(c.note, '')
FROM claim c WHERE c.deleted_at IS NULL ORDER BY c.seq;
INSERT INTO search_index (rowid, doc_type, doc_id, title, body, aliases, extra)
SELECT s.seq * 4 + 2, 'source', s.id, s.title, coalesce(s.note, ''), '',
       coalesce(s.publisher, '') || ' ' || coalesce(s.original_publisher, '') || ' ' || s.authors
FROM source s WHERE s.deleted_at IS NULL ORDER BY s.seq;
INSERT INTO search_index (rowid, doc_type, doc_id, title, body, aliases, extra)
SELECT p.seq * 4 + 1, 'program', p.id, p.name, coalesce(p.description, ''),
       (SELECT group_concat(alias, ' ') FROM (SELECT alias FROM program_alias
            WHERE program_seq = p.seq ORDER BY alias)), ''
FROM program p WHERE p.deleted_at IS NULL ORDER BY p.seq;
