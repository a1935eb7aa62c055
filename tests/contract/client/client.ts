// A client of Marsad written only against the types openapi-typescript generates from
// openapi.yaml, through openapi-fetch: every operation of the spec, no casts. `make contract`
// type-checks it with `tsc --noEmit --strict`, then runs it against a live server, directly
// and through a Prism validating proxy.
//
//   MARSAD_URL          the server (or the proxy) to call
//   MARSAD_TOKEN        a token with the admin scope (restore needs it)
//   MARSAD_WRITE_TOKEN  a token with the write scope
//
// It prints one line per operation and exits non-zero on the first wrong answer, or when an
// operation of the served /openapi.json was never called.
import createClient from 'openapi-fetch';
import type { components, paths } from './api.js';

type Claim = components['schemas']['Claim'];

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const baseUrl = env('MARSAD_URL');
const admin = { Authorization: `Bearer ${env('MARSAD_TOKEN')}` };
const writer = { Authorization: `Bearer ${env('MARSAD_WRITE_TOKEN')}` };

const client = createClient<paths>({ baseUrl });
const called = new Set<string>();
client.use({
  onRequest({ request, schemaPath }) {
    called.add(`${request.method} ${schemaPath}`);
    return undefined;
  },
});

function check(cond: boolean, what: string): asserts cond {
  if (!cond) throw new Error(`client: ${what}`);
}
function must<T>(v: T | undefined | null, what: string): T {
  if (v === undefined || v === null) throw new Error(`client: ${what} is missing`);
  return v;
}
function statusIs(res: { response: Response; error?: unknown }, want: number, what: string): void {
  check(res.response.status === want, `${what}: want ${want}, got ${res.response.status} ${JSON.stringify(res.error ?? null)}`);
  console.log(`ok ${res.response.status} ${what}`);
}
/** The data rows of a CSV body: the header row names `first` as its first column. */
function csvRows(text: string, first: string): number {
  check(text === '' || text.startsWith(`${first},`) || text.startsWith(`\uFEFF${first},`), `CSV header starts with ${first}`);
  return text === '' ? 0 : text.split('\r\n').filter((l) => l.length > 0).length - 1;
}
/** A page asked for without fields= holds whole items: narrows a page to its whole-item list. */
function isWhole<T extends object>(page: T): page is Exclude<T, { fields: string[] }> {
  return !('fields' in page);
}
function whole<T extends object>(page: T | undefined, what: string): Exclude<T, { fields: string[] }> {
  const p = must(page, what);
  if (!isWhole(p)) throw new Error(`client: ${what}: a page without fields= names fields`);
  return p;
}
/** A page asked for with fields=`want`: it names them, and its items have no other member. */
function sparseIs(page: object | undefined, want: string, what: string): void {
  const p = must(page, what);
  const keep = want.split(',');
  // The envelope names the members kept, in the order the items hold them (the collection's order).
  check('fields' in p && Array.isArray(p.fields) && [...p.fields].sort().join(',') === [...keep].sort().join(','), `${what}: fields echoed`);
  check('data' in p && Array.isArray(p.data) && p.data.length > 0, `${what}: items`);
  for (const item of p.data) {
    check(typeof item === 'object' && item !== null, `${what}: an item is an object`);
    for (const k of Object.keys(item)) check(keep.includes(k), `${what}: member ${k} was not asked for`);
  }
  console.log(`ok sparse ${what}`);
}
/** A CSV body asked for with fields=`want` has exactly those columns. */
function csvHeaderIs(text: string | undefined, want: string, what: string): void {
  const t = must(text, what).replace(/^\uFEFF/, '');
  check(t.split('\r\n')[0] === want, `${what}: header ${JSON.stringify(t.split('\r\n')[0])}, want ${want}`);
}
function ndjsonLines(text: string): unknown[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l): unknown => JSON.parse(l));
}

async function health(): Promise<void> {
  const h = await client.GET('/healthz');
  statusIs(h, 200, 'GET /healthz');
  check(must(h.data, 'healthz').status === 'ok', 'healthz says ok');
  const r = await client.GET('/readyz');
  statusIs(r, 200, 'GET /readyz');
  const v = await client.GET('/version');
  statusIs(v, 200, 'GET /version');
  check(must(v.data, 'version').schema_version >= 1, 'a schema version');
  const m = await client.GET('/metrics', { parseAs: 'text' });
  statusIs(m, 200, 'GET /metrics');
  check(must(m.data, 'metrics').includes('marsad_'), 'metrics text');
  const i = await client.GET('/v1');
  statusIs(i, 200, 'GET /v1');
}

async function docs(): Promise<void> {
  const y = await client.GET('/openapi.yaml', { parseAs: 'text' });
  statusIs(y, 200, 'GET /openapi.yaml');
  check(must(y.data, 'yaml').startsWith('openapi:'), 'the YAML');
  const j = await client.GET('/openapi.json');
  statusIs(j, 200, 'GET /openapi.json');
  const d = await client.GET('/docs', { parseAs: 'text' });
  statusIs(d, 200, 'GET /docs');
  const rj = await client.GET('/docs/redoc.standalone.js', { parseAs: 'text' });
  statusIs(rj, 200, 'GET /docs/redoc.standalone.js');
  const e = await client.GET('/', { parseAs: 'text' });
  statusIs(e, 200, 'GET /');
  const f = await client.GET('/explorer/{file}', { params: { path: { file: 'app.css' } }, parseAs: 'text' });
  statusIs(f, 200, 'GET /explorer/{file}');
}

/** The JSON page and its CSV and NDJSON twins hold the same items. */
async function claims(): Promise<Claim> {
  const page = await client.GET('/v1/claims', { params: { query: { limit: 5, kind: 'statistic' } } });
  statusIs(page, 200, 'GET /v1/claims');
  const body = must(page.data, 'claims page');
  check(!('fields' in body), 'a page without fields= holds whole claims');
  const first = must(body.data[0], 'a claim');
  // Whole claims: every member is there, typed (no optional members to test for).
  const start: number = first.quote_start;
  const end: number = first.quote_end;
  check(end > start, 'quote_end after quote_start');
  check(first.topics.length > 0, 'topics');

  const sparse = await client.GET('/v1/claims', { params: { query: { limit: 5, kind: 'statistic', fields: 'id,quote' } } });
  statusIs(sparse, 200, 'GET /v1/claims?fields=');
  const sp = must(sparse.data, 'sparse page');
  check('fields' in sp, 'a sparse page names its fields');
  if ('fields' in sp) check(sp.fields.join(',') === 'id,quote', 'fields echoed');

  const csv = await client.GET('/v1/claims.csv', { params: { query: { limit: 5, kind: 'statistic' } }, parseAs: 'text' });
  statusIs(csv, 200, 'GET /v1/claims.csv');
  check(csvRows(must(csv.data, 'CSV'), 'id') === body.data.length, 'one CSV row per claim');
  const nd = await client.GET('/v1/claims.ndjson', { params: { query: { limit: 5, kind: 'statistic' } }, parseAs: 'text' });
  statusIs(nd, 200, 'GET /v1/claims.ndjson');
  check(ndjsonLines(must(nd.data, 'NDJSON')).length === body.data.length, 'one NDJSON line per claim');

  const one = await client.GET('/v1/claims/{id}', { params: { path: { id: first.id }, query: { context: 20 } } });
  statusIs(one, 200, 'GET /v1/claims/{id}');
  const detail = must(one.data, 'claim').data;
  check(detail.quote === first.quote, 'the same quote');
  check(detail.context.quote === first.quote, 'the context quotes the quote');

  for (const [what, res] of [
    ['GET /v1/events', await client.GET('/v1/events', { params: { query: { limit: 3 } } })],
  ] as const) {
    statusIs(res, 200, what);
    check(must(res.data, what).data.length <= 3, `${what} limit`);
  }
  const evSparse = await client.GET('/v1/events', { params: { query: { limit: 3, fields: 'id,as_of,value_date' } } });
  statusIs(evSparse, 200, 'GET /v1/events?fields=');
  sparseIs(evSparse.data, 'id,as_of,value_date', 'GET /v1/events?fields=');
  const evCsvF = await client.GET('/v1/events.csv', { params: { query: { limit: 3, fields: 'id,statement' } }, parseAs: 'text' });
  csvHeaderIs(evCsvF.data, 'id,statement', 'GET /v1/events.csv?fields=');
  const evCsv = await client.GET('/v1/events.csv', { params: { query: { limit: 3 } }, parseAs: 'text' });
  statusIs(evCsv, 200, 'GET /v1/events.csv');
  const evNd = await client.GET('/v1/events.ndjson', { params: { query: { limit: 3 } }, parseAs: 'text' });
  statusIs(evNd, 200, 'GET /v1/events.ndjson');
  return first;
}

async function sources(claim: Claim): Promise<void> {
  const list = await client.GET('/v1/sources', { params: { query: { limit: 10 } } });
  statusIs(list, 200, 'GET /v1/sources');
  const ids = whole(list.data, 'sources').data.map((s) => s.id);
  const srcSparse = await client.GET('/v1/sources', { params: { query: { limit: 3, fields: 'id,title,published' } } });
  statusIs(srcSparse, 200, 'GET /v1/sources?fields=');
  sparseIs(srcSparse.data, 'id,title,published', 'GET /v1/sources?fields=');
  const srcCsvF = await client.GET('/v1/sources.csv', { params: { query: { limit: 3, fields: 'title' } }, parseAs: 'text' });
  csvHeaderIs(srcCsvF.data, 'id,title', 'GET /v1/sources.csv?fields=');
  const srcNdF = await client.GET('/v1/sources.ndjson', { params: { query: { limit: 3, fields: 'title' } }, parseAs: 'text' });
  for (const line of ndjsonLines(must(srcNdF.data, 'NDJSON')))
    check(typeof line === 'object' && line !== null && Object.keys(line).join(',') === 'id,title', 'a sparse NDJSON line');
  check(ids.includes(claim.source), 'the claim source is listed');
  const csv = await client.GET('/v1/sources.csv', { params: { query: { limit: 10 } }, parseAs: 'text' });
  statusIs(csv, 200, 'GET /v1/sources.csv');
  check(csvRows(must(csv.data, 'CSV'), 'id') === ids.length, 'one CSV row per source');
  const nd = await client.GET('/v1/sources.ndjson', { params: { query: { limit: 10 } }, parseAs: 'text' });
  statusIs(nd, 200, 'GET /v1/sources.ndjson');

  const path = { id: claim.source };
  const one = await client.GET('/v1/sources/{id}', { params: { path } });
  statusIs(one, 200, 'GET /v1/sources/{id}');
  const src = must(one.data, 'source').data;
  check(src.id === claim.source, 'the source');

  const sc = await client.GET('/v1/sources/{id}/claims', { params: { path, query: { limit: 2 } } });
  statusIs(sc, 200, 'GET /v1/sources/{id}/claims');
  for (const c of must(sc.data, 'source claims').data) check(c.source === claim.source, 'claims of the source');
  const scCsv = await client.GET('/v1/sources/{id}/claims.csv', { params: { path, query: { limit: 2 } }, parseAs: 'text' });
  statusIs(scCsv, 200, 'GET /v1/sources/{id}/claims.csv');
  const scNd = await client.GET('/v1/sources/{id}/claims.ndjson', { params: { path, query: { limit: 2 } }, parseAs: 'text' });
  statusIs(scNd, 200, 'GET /v1/sources/{id}/claims.ndjson');

  const text = await client.GET('/v1/sources/{id}/text', { params: { path }, parseAs: 'text' });
  statusIs(text, 200, 'GET /v1/sources/{id}/text');
  const body = must(text.data, 'text');
  const html = await client.GET('/v1/sources/{id}/text', {
    params: { path, query: { format: 'html', claim: claim.id } },
    parseAs: 'text',
  });
  statusIs(html, 200, 'GET /v1/sources/{id}/text?format=html');
  check(must(html.data, 'html').includes(`<mark id="claim-${claim.id}">`), 'the quote is marked');
  const q = await client.GET('/v1/sources/{id}/text/{claim}', { params: { path: { id: claim.source, claim: claim.id } } });
  statusIs(q, 200, 'GET /v1/sources/{id}/text/{claim}');
  const loc = must(q.data, 'quote location').data;
  // Offsets count code points.
  check([...body].slice(loc.start, loc.end).join('') === claim.quote, 'the offsets cut the quote out of the text');
}

async function programsEntitiesStats(): Promise<void> {
  const list = await client.GET('/v1/programs', { params: { query: { limit: 5 } } });
  statusIs(list, 200, 'GET /v1/programs');
  const p = must(whole(list.data, 'programs').data[0], 'a program');
  const pSparse = await client.GET('/v1/programs', { params: { query: { limit: 5, fields: 'id,name,claim_count' } } });
  statusIs(pSparse, 200, 'GET /v1/programs?fields=');
  sparseIs(pSparse.data, 'id,name,claim_count', 'GET /v1/programs?fields=');
  const pCsvF = await client.GET('/v1/programs.csv', { params: { query: { fields: 'name,aliases' } }, parseAs: 'text' });
  csvHeaderIs(pCsvF.data, 'id,name,aliases', 'GET /v1/programs.csv?fields=');
  const csv = await client.GET('/v1/programs.csv', { params: { query: { limit: 5 } }, parseAs: 'text' });
  statusIs(csv, 200, 'GET /v1/programs.csv');
  const nd = await client.GET('/v1/programs.ndjson', { params: { query: { limit: 5 } }, parseAs: 'text' });
  statusIs(nd, 200, 'GET /v1/programs.ndjson');
  const path = { id: p.id };
  const one = await client.GET('/v1/programs/{id}', { params: { path } });
  statusIs(one, 200, 'GET /v1/programs/{id}');
  check(must(one.data, 'program').data.id === p.id, 'the program');
  const pc = await client.GET('/v1/programs/{id}/claims', { params: { path, query: { limit: 2 } } });
  statusIs(pc, 200, 'GET /v1/programs/{id}/claims');
  const pcCsv = await client.GET('/v1/programs/{id}/claims.csv', { params: { path, query: { limit: 2 } }, parseAs: 'text' });
  statusIs(pcCsv, 200, 'GET /v1/programs/{id}/claims.csv');
  const pcNd = await client.GET('/v1/programs/{id}/claims.ndjson', { params: { path, query: { limit: 2 } }, parseAs: 'text' });
  statusIs(pcNd, 200, 'GET /v1/programs/{id}/claims.ndjson');

  const ents = await client.GET('/v1/entities', { params: { query: { limit: 3 } } });
  statusIs(ents, 200, 'GET /v1/entities');
  const ent = must(whole(ents.data, 'entities').data[0], 'an entity');
  const eSparse = await client.GET('/v1/entities', { params: { query: { limit: 3, fields: 'id,name' } } });
  statusIs(eSparse, 200, 'GET /v1/entities?fields=');
  sparseIs(eSparse.data, 'id,name', 'GET /v1/entities?fields=');
  const eCsvF = await client.GET('/v1/entities.csv', { params: { query: { limit: 3, fields: 'kind,aliases' } }, parseAs: 'text' });
  csvHeaderIs(eCsvF.data, 'id,kind,aliases', 'GET /v1/entities.csv?fields=');
  const e1 = await client.GET('/v1/entities/{id}', { params: { path: { id: ent.id } } });
  statusIs(e1, 200, 'GET /v1/entities/{id}');
  check(must(e1.data, 'entity').data.name === ent.name, 'the entity');
  const eCsv = await client.GET('/v1/entities.csv', { params: { query: { limit: 3 } }, parseAs: 'text' });
  statusIs(eCsv, 200, 'GET /v1/entities.csv');
  const eNd = await client.GET('/v1/entities.ndjson', { params: { query: { limit: 3 } }, parseAs: 'text' });
  statusIs(eNd, 200, 'GET /v1/entities.ndjson');

  const stats = await client.GET('/v1/statistics', { params: { query: { limit: 3 } } });
  statusIs(stats, 200, 'GET /v1/statistics');
  const metric = must(whole(stats.data, 'statistics').data[0], 'a statistic').id;
  const stSparse = await client.GET('/v1/statistics', { params: { query: { limit: 3, fields: 'id,summary' } } });
  statusIs(stSparse, 200, 'GET /v1/statistics?fields=');
  sparseIs(stSparse.data, 'id,summary', 'GET /v1/statistics?fields=');
  const stCsvF = await client.GET('/v1/statistics.csv', { params: { query: { limit: 3, fields: 'label,unit' } }, parseAs: 'text' });
  csvHeaderIs(stCsvF.data, 'id,label,unit', 'GET /v1/statistics.csv?fields=');
  const st = await client.GET('/v1/statistics/{metric}', { params: { path: { metric }, query: { limit: 5 } } });
  statusIs(st, 200, 'GET /v1/statistics/{metric}');
  check(must(st.data, 'statistic').data.observations.length <= 5, 'a page of observations');
  const sCsv = await client.GET('/v1/statistics.csv', { params: { query: { limit: 3 } }, parseAs: 'text' });
  statusIs(sCsv, 200, 'GET /v1/statistics.csv');
  const sNd = await client.GET('/v1/statistics.ndjson', { params: { query: { limit: 3 } }, parseAs: 'text' });
  statusIs(sNd, 200, 'GET /v1/statistics.ndjson');

  const conf = await client.GET('/v1/conflicts', { params: { query: { limit: 3 } } });
  statusIs(conf, 200, 'GET /v1/conflicts');
  check(whole(conf.data, 'conflicts').data.length > 0, 'conflicts');
  const cSparse = await client.GET('/v1/conflicts', { params: { query: { limit: 3, fields: 'id,rule,class' } } });
  statusIs(cSparse, 200, 'GET /v1/conflicts?fields=');
  sparseIs(cSparse.data, 'id,rule,class', 'GET /v1/conflicts?fields=');
  const cCsvF = await client.GET('/v1/conflicts.csv', { params: { query: { limit: 3, fields: 'rule,explanation' } }, parseAs: 'text' });
  csvHeaderIs(cCsvF.data, 'id,rule,explanation', 'GET /v1/conflicts.csv?fields=');
  const cCsv = await client.GET('/v1/conflicts.csv', { params: { query: { limit: 3 } }, parseAs: 'text' });
  statusIs(cCsv, 200, 'GET /v1/conflicts.csv');
  const cNd = await client.GET('/v1/conflicts.ndjson', { params: { query: { limit: 3 } }, parseAs: 'text' });
  statusIs(cNd, 200, 'GET /v1/conflicts.ndjson');

  const s = await client.GET('/v1/search', { params: { query: { q: 'returnees', limit: 3 } } });
  statusIs(s, 200, 'GET /v1/search');
  check(whole(s.data, 'search').data.length > 0, 'search hits');
  const sSparse = await client.GET('/v1/search', { params: { query: { q: 'returnees', limit: 3, fields: 'type,id,score' } } });
  statusIs(sSparse, 200, 'GET /v1/search?fields=');
  sparseIs(sSparse.data, 'type,id,score', 'GET /v1/search?fields=');
  const sCsvF = await client.GET('/v1/search.csv', { params: { query: { q: 'returnees', limit: 3, fields: 'snippet' } }, parseAs: 'text' });
  csvHeaderIs(sCsvF.data, 'type,id,snippet', 'GET /v1/search.csv?fields=');
  const sr = await client.GET('/v1/search.csv', { params: { query: { q: 'returnees', limit: 3 } }, parseAs: 'text' });
  statusIs(sr, 200, 'GET /v1/search.csv');
  const sn = await client.GET('/v1/search.ndjson', { params: { query: { q: 'returnees', limit: 3 } }, parseAs: 'text' });
  statusIs(sn, 200, 'GET /v1/search.ndjson');
}

/** Curation: create, read back, change, delete and restore each kind of record. */
async function curation(): Promise<void> {
  const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const sourceId = `ts-client-${tag}`;
  const quote = 'The client created this source to quote it.';
  const cs = await client.POST('/v1/sources', {
    headers: writer,
    body: { id: sourceId, title: 'A typed client test source', kind: 'analysis', language: 'en', text: `Preface. ${quote} The end.` },
  });
  statusIs(cs, 201, 'POST /v1/sources');
  check(must(cs.data, 'created source').data.id === sourceId, 'the created source');

  const cc = await client.POST('/v1/claims', {
    headers: writer,
    body: {
      source: sourceId,
      quote,
      statement: 'A typed client created a claim.',
      kind: 'assessment',
      claimant: 'The typed client',
      claimant_kind: 'author',
      topics: ['returnees'],
    },
  });
  statusIs(cc, 201, 'POST /v1/claims');
  const claimId = must(cc.data, 'created claim').data.id;
  const readBack = await client.GET('/v1/claims/{id}', { params: { path: { id: claimId } } });
  statusIs(readBack, 200, 'GET /v1/claims/{id} (created)');
  check(must(readBack.data, 'claim').data.quote_start === 9, 'the quote starts after the preface');

  const claimPath = { params: { path: { id: claimId } }, headers: writer };
  const pc = await client.PATCH('/v1/claims/{id}', { ...claimPath, body: { note: 'Patched by the typed client.' } });
  statusIs(pc, 200, 'PATCH /v1/claims/{id}');
  check(must(pc.data, 'patched claim').data.note === 'Patched by the typed client.', 'the note');
  // Round trip: the body GET gave, sent back with one change; a changed computed member is refused.
  const got = must((await client.GET('/v1/claims/{id}', { params: { path: { id: claimId } } })).data, 'claim').data;
  const rt = await client.PATCH('/v1/claims/{id}', { ...claimPath, body: { ...got, note: 'Sent back whole.' } });
  statusIs(rt, 200, 'PATCH /v1/claims/{id} (the GET body sent back)');
  check(must(rt.data, 'round trip').data.note === 'Sent back whole.', 'the round trip changed the note only');
  const ro = await client.PATCH('/v1/claims/{id}', { ...claimPath, body: { ...got, quote_start: got.quote_start + 1 } });
  statusIs(ro, 422, 'PATCH /v1/claims/{id} (a computed member changed)');
  const back = await client.PATCH('/v1/claims/{id}', { ...claimPath, body: { note: 'Patched by the typed client.' } });
  statusIs(back, 200, 'PATCH /v1/claims/{id} (note back)');
  const revs = await client.GET('/v1/claims/{id}/revisions', { params: { path: { id: claimId } } });
  statusIs(revs, 200, 'GET /v1/claims/{id}/revisions');
  const rv = must(revs.data, 'revisions').data;
  check(rv.length === 4 && rv[0]?.action === 'create' && rv[3]?.action === 'update', 'create then updates');
  const after = must(rv[3]?.after, 'the record after the last update');
  check('note' in after && after.note === 'Patched by the typed client.', 'the record after');
  const rCsv = await client.GET('/v1/claims/{id}/revisions.csv', { params: { path: { id: claimId } }, parseAs: 'text' });
  statusIs(rCsv, 200, 'GET /v1/claims/{id}/revisions.csv');
  check(csvRows(must(rCsv.data, 'revisions CSV'), 'revision') === 4, 'four revision rows');
  const rNd = await client.GET('/v1/claims/{id}/revisions.ndjson', { params: { path: { id: claimId } }, parseAs: 'text' });
  statusIs(rNd, 200, 'GET /v1/claims/{id}/revisions.ndjson');
  check(ndjsonLines(must(rNd.data, 'revisions NDJSON')).length === 4, 'four revision lines');
  const dc = await client.DELETE('/v1/claims/{id}', claimPath);
  statusIs(dc, 204, 'DELETE /v1/claims/{id}');
  const rc = await client.POST('/v1/claims/{id}/restore', { params: { path: { id: claimId } }, headers: admin });
  statusIs(rc, 200, 'POST /v1/claims/{id}/restore');
  check(must(rc.data, 'restored claim').data.id === claimId, 'the restored claim');

  const srcPath = { params: { path: { id: sourceId } }, headers: writer };
  const gotSource = must((await client.GET('/v1/sources/{id}', { params: { path: { id: sourceId } } })).data, 'source').data;
  const ps = await client.PATCH('/v1/sources/{id}', { ...srcPath, body: { ...gotSource, note: 'Patched.' } });
  statusIs(ps, 200, 'PATCH /v1/sources/{id}');
  const sRevs = await client.GET('/v1/sources/{id}/revisions', { params: { path: { id: sourceId } } });
  statusIs(sRevs, 200, 'GET /v1/sources/{id}/revisions');
  const sCsv = await client.GET('/v1/sources/{id}/revisions.csv', { params: { path: { id: sourceId } }, parseAs: 'text' });
  statusIs(sCsv, 200, 'GET /v1/sources/{id}/revisions.csv');
  const sNd = await client.GET('/v1/sources/{id}/revisions.ndjson', { params: { path: { id: sourceId } }, parseAs: 'text' });
  statusIs(sNd, 200, 'GET /v1/sources/{id}/revisions.ndjson');
  // A source still quoted cannot go; its claim first.
  const dc2 = await client.DELETE('/v1/claims/{id}', claimPath);
  statusIs(dc2, 204, 'DELETE /v1/claims/{id} (again)');
  const ds = await client.DELETE('/v1/sources/{id}', srcPath);
  statusIs(ds, 204, 'DELETE /v1/sources/{id}');
  const rs = await client.POST('/v1/sources/{id}/restore', { params: { path: { id: sourceId } }, headers: admin });
  statusIs(rs, 200, 'POST /v1/sources/{id}/restore');

  const programId = `ts_client_${tag}`;
  const cp = await client.POST('/v1/programs', {
    headers: writer,
    body: { id: programId, name: 'Typed client program', kind: 'initiative', aliases: ['TCP'] },
  });
  statusIs(cp, 201, 'POST /v1/programs');
  const progPath = { params: { path: { id: programId } }, headers: writer };
  const gotProgram = must((await client.GET('/v1/programs/{id}', { params: { path: { id: programId } } })).data, 'program').data;
  const pp = await client.PATCH('/v1/programs/{id}', { ...progPath, body: { ...gotProgram, description: 'Patched.' } });
  statusIs(pp, 200, 'PATCH /v1/programs/{id}');
  check(must(pp.data, 'patched program').data.description === 'Patched.', 'the description');
  const pr = await client.GET('/v1/programs/{id}/revisions', { params: { path: { id: programId } } });
  statusIs(pr, 200, 'GET /v1/programs/{id}/revisions');
  const prCsv = await client.GET('/v1/programs/{id}/revisions.csv', { params: { path: { id: programId } }, parseAs: 'text' });
  statusIs(prCsv, 200, 'GET /v1/programs/{id}/revisions.csv');
  const prNd = await client.GET('/v1/programs/{id}/revisions.ndjson', { params: { path: { id: programId } }, parseAs: 'text' });
  statusIs(prNd, 200, 'GET /v1/programs/{id}/revisions.ndjson');
  const dp = await client.DELETE('/v1/programs/{id}', progPath);
  statusIs(dp, 204, 'DELETE /v1/programs/{id}');
  const rp = await client.POST('/v1/programs/{id}/restore', { params: { path: { id: programId } }, headers: admin });
  statusIs(rp, 200, 'POST /v1/programs/{id}/restore');
}

/** The evidence engine, provenance and extraction: consistency, derived claims, candidates. */
async function evidence(): Promise<void> {
  const berman = { id: 'berman-2019-returnees' };
  const cons = await client.GET('/v1/sources/{id}/consistency', { params: { path: { id: 'masbah-2015-foreign-fighters' } } });
  statusIs(cons, 200, 'GET /v1/sources/{id}/consistency');
  const c = must(cons.data, 'consistency').data;
  check(c.internal_total >= c.internal.length, 'internal findings counted');
  for (const f of c.internal) check(f.class === 'internal', 'an internal finding is class internal');

  const der = await client.GET('/v1/sources/{id}/derived', { params: { path: berman, query: { limit: 100 } } });
  statusIs(der, 200, 'GET /v1/sources/{id}/derived');
  const derived = must(der.data, 'derived').data;
  check(derived.some((d) => d.status === 'changed'), 'a claim changed what it took from Berman');
  for (const [suffix, parse] of [['csv', 'text'], ['ndjson', 'text']] as const) {
    const r =
      suffix === 'csv'
        ? await client.GET('/v1/sources/{id}/derived.csv', { params: { path: berman }, parseAs: parse })
        : await client.GET('/v1/sources/{id}/derived.ndjson', { params: { path: berman }, parseAs: parse });
    statusIs(r, 200, `GET /v1/sources/{id}/derived.${suffix}`);
  }

  const cand = await client.GET('/v1/sources/{id}/candidates', { params: { path: berman, query: { limit: 1000 } } });
  statusIs(cand, 200, 'GET /v1/sources/{id}/candidates');
  const items = must(cand.data, 'candidates').data;
  check(items.some((x) => typeof x.covered_by === 'string'), 'some candidates are already claims');
  const candCsv = await client.GET('/v1/sources/{id}/candidates.csv', { params: { path: berman, query: { covered: 'false' } }, parseAs: 'text' });
  statusIs(candCsv, 200, 'GET /v1/sources/{id}/candidates.csv');
  check(csvRows(must(candCsv.data, 'CSV'), 'id') === items.filter((x) => x.covered_by === null).length, 'one CSV row per new candidate');
  const candNd = await client.GET('/v1/sources/{id}/candidates.ndjson', { params: { path: berman }, parseAs: 'text' });
  statusIs(candNd, 200, 'GET /v1/sources/{id}/candidates.ndjson');

  const ex = await client.POST('/v1/extract', {
    body: { text: 'To date, Morocco has apprehended less than 200 such returnees.', published: '2019-03-13', author: 'Ilan I. Berman' },
  });
  statusIs(ex, 200, 'POST /v1/extract');
  const first = must(must(ex.data, 'extract').data[0], 'a candidate');
  check(first.bound === 'less_than' && first.upper === 200 && first.lower === undefined, 'less than 200 has an upper end only');
}

/** The catalog and curated conflicts: metrics, relations between them, conflicts by id. */
async function catalog(): Promise<void> {
  const tag = Date.now().toString(36);
  const ml = await client.GET('/v1/metrics', { params: { query: { value_type: 'number', limit: 100 } } });
  statusIs(ml, 200, 'GET /v1/metrics');
  const metrics = whole(ml.data, 'metrics').data;
  const mSparse = await client.GET('/v1/metrics', { params: { query: { limit: 3, fields: 'id,label,cumulative' } } });
  statusIs(mSparse, 200, 'GET /v1/metrics?fields=');
  sparseIs(mSparse.data, 'id,label,cumulative', 'GET /v1/metrics?fields=');
  const mCsvF = await client.GET('/v1/metrics.csv', { params: { query: { limit: 3, fields: 'unit' } }, parseAs: 'text' });
  csvHeaderIs(mCsvF.data, 'id,unit', 'GET /v1/metrics.csv?fields=');
  check(metrics.every((m) => m.value_type === 'number'), 'value_type filters metrics');
  const mCsv = await client.GET('/v1/metrics.csv', { params: { query: { limit: 5 } }, parseAs: 'text' });
  statusIs(mCsv, 200, 'GET /v1/metrics.csv');
  check(csvRows(must(mCsv.data, 'CSV'), 'id') === 5, 'five metrics as CSV rows');
  const mNd = await client.GET('/v1/metrics.ndjson', { params: { query: { limit: 5 } }, parseAs: 'text' });
  statusIs(mNd, 200, 'GET /v1/metrics.ndjson');
  check(ndjsonLines(must(mNd.data, 'NDJSON')).length === 5, 'five metrics as NDJSON lines');

  const metricId = `ts_client_metric_${tag}`;
  const cm = await client.POST('/v1/metrics', {
    headers: writer,
    body: {
      id: metricId,
      label: 'Typed client metric',
      unit: 'people',
      value_type: 'number',
      definition: 'A metric the typed client adds.',
      counting_basis: 'Nothing is counted.',
      cumulative: true,
    },
  });
  statusIs(cm, 201, 'POST /v1/metrics');
  const gotMetric = must((await client.GET('/v1/metrics/{id}', { params: { path: { id: metricId } } })).data, 'metric').data;
  check(gotMetric.cumulative && gotMetric.relations.length === 0, 'the new metric');
  const pm = await client.PATCH('/v1/metrics/{id}', {
    params: { path: { id: metricId } },
    headers: writer,
    body: { ...gotMetric, label: 'Typed client metric, patched' },
  });
  statusIs(pm, 200, 'PATCH /v1/metrics/{id}');
  for (const suffix of ['', '.csv', '.ndjson'] as const) {
    const path = { params: { path: { id: metricId } } };
    const r =
      suffix === ''
        ? await client.GET('/v1/metrics/{id}/revisions', path)
        : suffix === '.csv'
          ? await client.GET('/v1/metrics/{id}/revisions.csv', { ...path, parseAs: 'text' })
          : await client.GET('/v1/metrics/{id}/revisions.ndjson', { ...path, parseAs: 'text' });
    statusIs(r, 200, `GET /v1/metrics/{id}/revisions${suffix}`);
  }

  const rl = await client.GET('/v1/relations', { params: { query: { kind: 'part_whole' } } });
  statusIs(rl, 200, 'GET /v1/relations');
  check(whole(rl.data, 'relations').data.every((r) => r.kind === 'part_whole'), 'kind filters relations');
  const rSparse = await client.GET('/v1/relations', { params: { query: { fields: 'id,kind,whole' } } });
  statusIs(rSparse, 200, 'GET /v1/relations?fields=');
  sparseIs(rSparse.data, 'id,kind,whole', 'GET /v1/relations?fields=');
  const rCsvF = await client.GET('/v1/relations.csv', { params: { query: { fields: 'kind,metric' } }, parseAs: 'text' });
  csvHeaderIs(rCsvF.data, 'id,kind,metric', 'GET /v1/relations.csv?fields=');
  const rCsv = await client.GET('/v1/relations.csv', { params: { query: { metric: 'foreign_fighters_departed' } }, parseAs: 'text' });
  statusIs(rCsv, 200, 'GET /v1/relations.csv');
  const rNd = await client.GET('/v1/relations.ndjson', { parseAs: 'text' });
  statusIs(rNd, 200, 'GET /v1/relations.ndjson');
  const relationId = `ts_client_relation_${tag}`;
  const cr = await client.POST('/v1/relations', {
    headers: writer,
    body: { id: relationId, kind: 'part_whole', metric: metricId, whole: 'foreign_fighters_departed' },
  });
  statusIs(cr, 201, 'POST /v1/relations');
  const cycle = await client.POST('/v1/relations', {
    headers: writer,
    body: { id: `${relationId}_back`, kind: 'part_whole', metric: 'foreign_fighters_departed', whole: metricId },
  });
  statusIs(cycle, 422, 'POST /v1/relations (a cycle)');
  const relPath = { params: { path: { id: relationId } } };
  const gotRelation = must((await client.GET('/v1/relations/{id}', relPath)).data, 'relation').data;
  const pr = await client.PATCH('/v1/relations/{id}', { ...relPath, headers: writer, body: { ...gotRelation, note: 'Patched.' } });
  statusIs(pr, 200, 'PATCH /v1/relations/{id}');
  for (const suffix of ['', '.csv', '.ndjson'] as const) {
    const r =
      suffix === ''
        ? await client.GET('/v1/relations/{id}/revisions', relPath)
        : suffix === '.csv'
          ? await client.GET('/v1/relations/{id}/revisions.csv', { ...relPath, parseAs: 'text' })
          : await client.GET('/v1/relations/{id}/revisions.ndjson', { ...relPath, parseAs: 'text' });
    statusIs(r, 200, `GET /v1/relations/{id}/revisions${suffix}`);
  }
  const dr = await client.DELETE('/v1/relations/{id}', { ...relPath, headers: writer });
  statusIs(dr, 204, 'DELETE /v1/relations/{id}');
  statusIs(await client.GET('/v1/relations/{id}', relPath), 410, 'GET /v1/relations/{id} (removed)');

  const conflictId = `curated-ts-client-${tag}`;
  const cc = await client.POST('/v1/conflicts', {
    headers: writer,
    body: { id: conflictId, a: ['mipa-055'], b: ['mohammed-072'], explanation: 'Recorded by the typed client.' },
  });
  statusIs(cc, 201, 'POST /v1/conflicts');
  const conPath = { params: { path: { id: conflictId } } };
  const gotConflict = must((await client.GET('/v1/conflicts/{id}', conPath)).data, 'conflict').data;
  check(gotConflict.class === 'curated' && gotConflict.a.claim === 'mipa-055', 'the curated conflict as the rules list it');
  const pc = await client.PATCH('/v1/conflicts/{id}', {
    ...conPath,
    headers: writer,
    body: { ...gotConflict, certainty: 'possible', dissolves_if: 'unless the support is given before release' },
  });
  statusIs(pc, 200, 'PATCH /v1/conflicts/{id}');
  check(must(pc.data, 'patched conflict').data.certainty === 'possible', 'the certainty');
  for (const suffix of ['', '.csv', '.ndjson'] as const) {
    const r =
      suffix === ''
        ? await client.GET('/v1/conflicts/{id}/revisions', conPath)
        : suffix === '.csv'
          ? await client.GET('/v1/conflicts/{id}/revisions.csv', { ...conPath, parseAs: 'text' })
          : await client.GET('/v1/conflicts/{id}/revisions.ndjson', { ...conPath, parseAs: 'text' });
    statusIs(r, 200, `GET /v1/conflicts/{id}/revisions${suffix}`);
  }
  const dc = await client.DELETE('/v1/conflicts/{id}', { ...conPath, headers: writer });
  statusIs(dc, 204, 'DELETE /v1/conflicts/{id}');
  const rc = await client.POST('/v1/conflicts/{id}/restore', { ...conPath, headers: admin });
  statusIs(rc, 200, 'POST /v1/conflicts/{id}/restore');
}

/** Working offline: the NDJSON export (its header counts its lines) and the SQLite copy. */
async function offline(): Promise<void> {
  const nd = await client.GET('/v1/export', { parseAs: 'text' });
  statusIs(nd, 200, 'GET /v1/export');
  const lines = ndjsonLines(must(nd.data, 'export'));
  const head = must(lines[0], 'the header line');
  check(typeof head === 'object' && head !== null && 'type' in head && head.type === 'export', 'the export starts with its header');
  const counts: Record<string, number> = 'counts' in head && typeof head.counts === 'object' && head.counts !== null ? { ...head.counts } : {};
  const seen: Record<string, number> = {};
  for (const l of lines.slice(1)) {
    const t = typeof l === 'object' && l !== null && 'type' in l && typeof l.type === 'string' ? l.type : '?';
    seen[t] = (seen[t] ?? 0) + 1;
  }
  for (const [t, n] of Object.entries(counts)) check(seen[t] === n, `the header counts the ${t} lines`);
  const claims = await client.GET('/v1/claims', { params: { query: { limit: 1 } } });
  check(must(claims.data, 'claims').meta.total === counts.claim, 'one claim line per claim');
  const tag = must(nd.response.headers.get('ETag'), 'ETag');
  const again = await client.GET('/v1/export', { headers: { 'If-None-Match': tag }, parseAs: 'text' });
  statusIs(again, 304, 'GET /v1/export (If-None-Match)');

  const db = await client.GET('/v1/export.sqlite', { parseAs: 'arrayBuffer' });
  statusIs(db, 200, 'GET /v1/export.sqlite');
  const bytes = new Uint8Array(must(db.data, 'export.sqlite'));
  check(new TextDecoder().decode(bytes.slice(0, 15)) === 'SQLite format 3', 'an SQLite 3 file');
  check((db.response.headers.get('Content-Disposition') ?? '').startsWith('attachment; filename="marsad-'), 'a file name with the version');
}

async function main(): Promise<void> {
  await health();
  await docs();
  const claim = await claims();
  await sources(claim);
  await programsEntitiesStats();
  await evidence();
  await offline();
  await curation();
  await catalog();

  // Every operation of the served contract was called.
  const spec = await client.GET('/openapi.json');
  const doc: unknown = must(spec.data, 'openapi.json');
  const missing: string[] = [];
  if (typeof doc === 'object' && doc !== null && 'paths' in doc && typeof doc.paths === 'object' && doc.paths !== null) {
    for (const [path, item] of Object.entries(doc.paths)) {
      if (typeof item !== 'object' || item === null) continue;
      for (const method of ['get', 'put', 'post', 'patch', 'delete']) {
        if (method in item && !called.has(`${method.toUpperCase()} ${path}`)) missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
  } else {
    throw new Error('client: /openapi.json has no paths');
  }
  check(missing.length === 0, `operations never called: ${missing.join(', ')}`);
  console.log(`client: ${called.size} operations called, every operation of the contract`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
