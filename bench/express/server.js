'use strict';
/*
 * The comparator for `make bench`: Express + better-sqlite3 over the same
 * database, answering the two queries Marsad is measured on with the same SQL
 * (server/store/claim_repo.c) and a JSON shape close to Marsad's:
 *
 *   GET /v1/claims/:id              one claim with source, metric and context
 *   GET /v1/claims?metric=M&limit=L the claims of one metric, insertion order
 *
 * Usage: node server.js --db PATH [--port N] (port 0 picks a free one).
 * Prints "listening on http://127.0.0.1:PORT" on stdout once it accepts.
 */
const express = require('express');
const Database = require('better-sqlite3');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const dbPath = arg('--db');
const port = Number(arg('--port', '0'));
if (!dbPath) {
  console.error('usage: node server.js --db PATH [--port N]');
  process.exit(2);
}

/* Like Marsad's readers: never writes, but may create the WAL index (-shm) of a WAL database. */
const db = new Database(dbPath, { fileMustExist: true });
db.pragma('query_only = ON');

/* The same column list and joins as server/store/claim_repo.c. */
const COLUMNS = `c.seq, c.id, s.id AS source_id, c.quote, c.quote_start, c.quote_end, c.statement,
  c.kind, m.id AS metric_id, c.value, c.lower, c.upper, c.bound, c.vague_term, c.unit,
  c.value_date, c.value_text, c.as_of, c.period_start, c.period_end, c.time_basis,
  pl.id AS place_id, c.claimant, c.claimant_kind, ce.id AS claimant_entity_id,
  sp.id AS subject_program_id, se.id AS subject_entity_id, c.attribute, fn.id AS footnote_id,
  c.note, c.revision, c.created_at, c.updated_at,
  (SELECT json_group_array(topic_id) FROM (SELECT topic_id FROM claim_topic
     WHERE claim_seq = c.seq ORDER BY topic_id)) AS topics_json,
  (SELECT json_group_array(x) FROM (SELECT coalesce(e.id, p.id) AS x FROM claim_mention cm
     LEFT JOIN entity e ON e.seq = cm.entity_seq LEFT JOIN program p ON p.seq = cm.program_seq
     WHERE cm.claim_seq = c.seq ORDER BY x)) AS mentions_json,
  s.title AS source_title, s.publisher AS source_publisher, s.published AS source_published,
  s.kind AS source_kind, m.label AS metric_label, m.unit AS metric_unit,
  m.value_type AS metric_value_type, c.time_start, c.time_end`;
const FROM = ` FROM claim c JOIN source s ON s.seq = c.source_seq
  LEFT JOIN metric m ON m.seq = c.metric_seq
  LEFT JOIN entity pl ON pl.seq = c.place_seq
  LEFT JOIN entity ce ON ce.seq = c.claimant_entity_seq
  LEFT JOIN program sp ON sp.seq = c.subject_program_seq
  LEFT JOIN entity se ON se.seq = c.subject_entity_seq
  LEFT JOIN source fn ON fn.seq = c.footnote_seq`;
const METRIC =
  ' AND c.metric_seq IN (SELECT seq FROM metric WHERE id IN (SELECT value FROM json_each(?)))';

const getClaim = db.prepare(`SELECT ${COLUMNS}${FROM} WHERE c.id = ? AND c.deleted_at IS NULL`);
const getContext = db.prepare(`SELECT substr(t.body, max(c.quote_start - ?2, 0) + 1,
    c.quote_start - max(c.quote_start - ?2, 0)) AS before, substr(t.body, c.quote_end + 1, ?2) AS after
  FROM claim c JOIN source_text t ON t.source_seq = c.source_seq
  WHERE c.id = ?1 AND c.deleted_at IS NULL`);
const listByMetric = db.prepare(
  `SELECT ${COLUMNS}${FROM} WHERE c.deleted_at IS NULL${METRIC} ORDER BY c.seq LIMIT ? OFFSET ?`);
const countByMetric = db.prepare(
  `SELECT count(*) AS n FROM claim c WHERE c.deleted_at IS NULL${METRIC}`);

function claimJson(r, withRecords) {
  const o = {
    id: r.id, source: r.source_id, quote: r.quote, quote_start: r.quote_start,
    quote_end: r.quote_end, statement: r.statement, kind: r.kind, metric: r.metric_id,
    value: r.value, lower: r.lower, upper: r.upper, bound: r.bound, vague_term: r.vague_term,
    unit: r.unit, value_date: r.value_date, value_text: r.value_text, as_of: r.as_of,
    period_start: r.period_start, period_end: r.period_end, time_basis: r.time_basis,
    place: r.place_id, claimant: r.claimant, claimant_kind: r.claimant_kind,
    claimant_entity: r.claimant_entity_id,
    subject_type: r.subject_program_id ? 'program' : r.subject_entity_id ? 'entity' : null,
    subject: r.subject_program_id || r.subject_entity_id || null, attribute: r.attribute,
    entities: JSON.parse(r.mentions_json || '[]'), topics: JSON.parse(r.topics_json || '[]'),
    footnote: r.footnote_id, note: r.note, revision: r.revision,
  };
  if (withRecords) {
    o.source_record = { id: r.source_id, title: r.source_title, publisher: r.source_publisher,
      published: r.source_published, kind: r.source_kind };
    o.metric_record = r.metric_id ? { id: r.metric_id, label: r.metric_label,
      unit: r.metric_unit, value_type: r.metric_value_type } : null;
  }
  o.links = { self: `/v1/claims/${r.id}`, source: `/v1/sources/${r.source_id}` };
  if (r.metric_id) o.links.statistics = `/v1/statistics/${r.metric_id}`;
  return o;
}

function problem(res, status, title, detail) {
  res.status(status).type('application/problem+json').send(JSON.stringify({ type: 'about:blank',
    title, status, detail }));
}

const app = express();
app.disable('x-powered-by');

app.get('/v1/claims/:id', (req, res) => {
  const id = req.params.id;
  const ctx = getContext.get({ 1: id, 2: 240 });
  const r = ctx && getClaim.get(id);
  if (!r) return problem(res, 404, 'Not Found', `no claim with id '${id}'`);
  const data = claimJson(r, true);
  data.context = { before: ctx.before, quote: r.quote, after: ctx.after };
  res.json({ data });
});

app.get('/v1/claims', (req, res) => {
  const metric = req.query.metric;
  const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
  const offset = req.query.offset === undefined ? 0 : Number(req.query.offset);
  if (typeof metric !== 'string' || !Number.isInteger(limit) || limit < 1 || limit > 1000 ||
      !Number.isInteger(offset) || offset < 0)
    return problem(res, 400, 'Bad Request', 'this comparator needs metric=, limit 1..1000, offset');
  const ids = JSON.stringify(metric.split(','));
  const total = countByMetric.get(ids).n;
  const data = listByMetric.all(ids, limit, offset).map((r) => claimJson(r, false));
  const base = `/v1/claims?metric=${encodeURIComponent(metric)}&limit=${limit}`;
  const lastOff = total > 0 ? Math.floor((total - 1) / limit) * limit : 0;
  res.set('X-Total-Count', String(total));
  res.json({
    data,
    meta: { total, limit, offset, count: data.length, next_cursor: null },
    links: {
      self: `${base}&offset=${offset}`, first: base,
      prev: offset > 0 ? `${base}&offset=${Math.max(0, offset - limit)}` : null,
      next: offset + limit < total ? `${base}&offset=${offset + limit}` : null,
      last: `${base}&offset=${lastOff}`,
    },
  });
});

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
server.keepAliveTimeout = 30000;
function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
