// Contract test: every operation of openapi.yaml against a running server (make contract).
//
// Every response the tests receive is validated against the spec (status documented,
// documented headers present and matching their schemas, body matching the schema of its
// media type) by ajv compiling the spec's own schemas. Positive requests and negative
// cases are generated from the spec's parameters; the curation operations run as a
// scenario on a private copy of the database.
//
//   MARSAD_URL           the server (http://127.0.0.1:PORT)
//   MARSAD_RO_URL        the same database served with --read-only (optional)
//   MARSAD_LIMITED_URL   the same database served with --rate-limit 1 (optional)
//   MARSAD_TOKEN         a token with the admin scope
//   MARSAD_WRITE_TOKEN   a token with the write scope
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE,
  SPEC,
  SPEC_TEXT,
  componentSchema,
  deref,
  fillPath,
  operations,
  query,
  request,
  schemaErrors,
  stats,
  textErrors,
  validateComponentResponse,
  validateResponse,
} from './lib.mjs';

const TOKEN = process.env.MARSAD_TOKEN;
const WRITE_TOKEN = process.env.MARSAD_WRITE_TOKEN;
const RO_URL = process.env.MARSAD_RO_URL;
const LIMITED_URL = process.env.MARSAD_LIMITED_URL;

const OPS = operations();
const READS = OPS.filter((o) => o.method === 'get');
// Writes are the operations that need a token; POST /v1/extract stores nothing and has none.
const WRITES = OPS.filter((o) => o.method !== 'get' && (o.op.security ?? []).length > 0);
const OPEN_POSTS = OPS.filter((o) => o.method !== 'get' && !(o.op.security ?? []).length);

const auth = (t = TOKEN) => ({ Authorization: `Bearer ${t}` });
const json = { 'Content-Type': 'application/json' };
const mergePatch = { 'Content-Type': 'application/merge-patch+json' };

/** Sends and validates; asserts the status when `want` is given. */
async function call(opKey, method, target, { want, headers, body, allowDefault, expectContinue } = {}) {
  const res = await request(method, target, { headers, body, expectContinue });
  if (want !== undefined)
    assert.equal(res.status, want, `${method} ${target}: want ${want}, got ${res.status}\n${res.text.slice(0, 500)}`);
  validateResponse(opKey, res, { allowDefault });
  return res;
}

function requestExample(op, media = 'application/json') {
  const content = deref(op.requestBody).content;
  const m = content[media] || Object.values(content)[0];
  assert.ok(m.example, `${op.operationId}: no request body example`);
  return structuredClone(m.example);
}

after(() => {
  const ops = new Set([...stats.byOperation.keys()].map((k) => k.split(' ').slice(0, 2).join(' ')));
  const codes = stats.byOperation.size;
  console.log(
    `# contract: ${OPS.length} operations in the spec, ${ops.size} exercised, ` +
      `${codes} (operation, status) pairs, ${stats.responses} responses validated, ` +
      `${stats.negative} negative cases`,
  );
});

describe('the served contract', () => {
  test('GET /openapi.yaml is openapi.yaml, byte for byte', async () => {
    const res = await call('GET /openapi.yaml', 'GET', '/openapi.yaml', { want: 200 });
    assert.equal(res.text, SPEC_TEXT);
  });
  test('GET /openapi.json is the same document, generated from the YAML', async () => {
    const res = await call('GET /openapi.json', 'GET', '/openapi.json', { want: 200 });
    assert.deepEqual(res.json, SPEC);
  });
  test("the introduction's headings are not tag names (the /docs menu shows each once)", () => {
    const headings = [...SPEC.info.description.matchAll(/^## (.+)$/gm)].map((m) => m[1].trim());
    const tags = SPEC.tags.map((t) => t.name);
    assert.ok(headings.length > 0);
    assert.deepEqual(headings.filter((h) => tags.includes(h)), []);
    assert.doesNotMatch(SPEC.info.description, /make contract/, 'the introduction is for API users');
  });
  test('the members a GET shows and a write does not take are readOnly, and the Patch takes them back', () => {
    const members = (schema) => {
      const s = deref(schema);
      const out = { ...(s.properties || {}) };
      for (const a of s.allOf || []) Object.assign(out, members(a));
      return out;
    };
    for (const [path, name] of [
      ['/v1/claims/{id}', 'Claim'],
      ['/v1/sources/{id}', 'Source'],
      ['/v1/programs/{id}', 'Program'],
      ['/v1/metrics/{id}', 'Metric'],
      ['/v1/relations/{id}', 'Relation'],
    ]) {
      const read = members(members(deref(SPEC.paths[path].get.responses['200']).content['application/json'].schema).data);
      const input = SPEC.components.schemas[`${name}Input`].properties;
      const patch = SPEC.components.schemas[`${name}Patch`].properties;
      for (const [k, v] of Object.entries(read)) {
        if (k in input) continue;
        assert.ok(v.readOnly === true || deref(v).readOnly === true, `${name}.${k} is computed by the server: mark it readOnly`);
        assert.ok(k in patch, `${name}Patch must take ${k} back (a GET body sent back)`);
      }
    }
  });
  test('every operation has a success response and an operationId', () => {
    for (const o of OPS) {
      assert.ok(o.op.operationId, `${o.key}: no operationId`);
      assert.ok(Object.keys(o.op.responses).some((s) => /^2/.test(s)), `${o.key}: no 2xx response`);
    }
  });
  test('every parameter example is valid against its own schema', () => {
    for (const o of OPS) {
      for (const p of o.params) {
        if (p.example === undefined) continue;
        const err = textErrors(p.schema, String(p.example));
        assert.equal(err, null, `${o.key} ${p.in} ${p.name}=${p.example}: ${err}`);
      }
    }
  });
});

/* ---- reads: generated from the spec --------------------------------------- */

describe('read operations (generated from the spec)', () => {
  for (const o of READS) {
    const qparams = o.params.filter((p) => p.in === 'query');
    const required = qparams.filter((p) => p.required).map((p) => [p.name, p.example]);
    const path = fillPath(o.path, o.params);
    const baseTarget = path + query(required);
    const page0 = deref(deref(o.op.responses['200']).content?.['application/json']?.schema || {});
    // A page of whole or sparse items (ClaimPage): the whole one is what a plain request gets.
    const jsonSchema = page0.oneOf ? deref(page0.oneOf[0]) : page0;
    const isList = !!jsonSchema.properties?.meta;

    test(`${o.key}: the plain request, HEAD and a conditional GET`, async () => {
      const res = await call(o.key, 'GET', baseTarget, { want: 200 });
      const head = await request('HEAD', baseTarget);
      assert.equal(head.status, 200);
      assert.equal(head.text, '');
      validateResponse(o.key, head);
      const etag = res.headers.etag;
      if (etag && o.op.responses['304']) {
        await call(o.key, 'GET', baseTarget, { want: 304, headers: { 'If-None-Match': etag } });
      }
      // A list without `fields` holds whole items (the first schema of a oneOf page).
      if (page0.oneOf) assert.equal(schemaErrors(jsonSchema, res.json), null, `${o.key}: not a page of whole items`);
      if (isList) {
        assert.equal(Number(res.headers['x-total-count']), res.json.meta.total);
        assert.equal(res.json.meta.count, res.json.data.length);
        if (res.json.links.next) await call(o.key, 'GET', res.json.links.next, { want: 200 });
        const cursorParam = qparams.find((p) => p.name === 'cursor');
        if (cursorParam && res.json.meta.next_cursor) {
          const next = await call(o.key, 'GET', path + query([...required, ['cursor', res.json.meta.next_cursor]]), { want: 200 });
          // A cursor is offered only when a next page exists: it is never empty.
          assert.ok(next.json.data.length > 0, `${o.key}: the cursor led to an empty page`);
        }
      }
    });

    for (const p of qparams) {
      if (p.required || p.example === undefined) continue;
      test(`${o.key}: ${p.name}=${p.example}`, async () => {
        const res = await call(o.key, 'GET', path + query([...required, [p.name, p.example]]), { want: 200 });
        if (p.name === 'format' && p.example === 'csv') assert.match(res.text, /^([a-z0-9_]+(,[a-z0-9_]+)*)?\r\n/);
      });
    }
    // The CSV and NDJSON twins of a list: the same parameters, one row or line per item.
    const twin = o.path.match(/^(.*)\.(csv|ndjson)$/);
    if (twin) {
      const jsonOp = OPS.find((x) => x.method === 'get' && x.path === twin[1]);
      test(`${o.key}: the ${twin[2]} form of GET ${twin[1]}, with the same parameters and items`, async () => {
        assert.ok(jsonOp, `no GET ${twin[1]} for ${o.key}`);
        assert.deepEqual(
          o.params.filter((p) => p.name !== 'bom').map((p) => `${p.in}:${p.name}`),
          jsonOp.params.map((p) => `${p.in}:${p.name}`),
          `${o.key} and GET ${twin[1]} must take the same parameters`,
        );
        const res = await call(o.key, 'GET', baseTarget, { want: 200 });
        const page = await call(jsonOp.key, 'GET', fillPath(jsonOp.path, jsonOp.params) + query(required), { want: 200 });
        const lines = res.text.split(twin[2] === 'csv' ? '\r\n' : '\n').filter((l) => l.length);
        const rows = twin[2] === 'csv' ? lines.length - 1 : lines.length;
        if (!/[\r\n]/.test(JSON.stringify(page.json.data)) || twin[2] === 'ndjson')
          assert.equal(Math.max(rows, 0), page.json.data.length);
        if (res.text) assert.equal(res.headers['content-type'].split(';')[0], twin[2] === 'csv' ? 'text/csv' : 'application/x-ndjson');
      });
    }
    test(`${o.key}: gzip when asked`, async () => {
      const res = await request('GET', baseTarget, { headers: { 'Accept-Encoding': 'gzip' } });
      assert.equal(res.status, 200);
      const vary = res.headers.vary || '';
      if (res.headers['content-encoding'] === 'gzip') assert.match(vary, /Accept-Encoding/);
    });
  }
});

/* ---- statistics: pages of observations ------------------------------------- */

describe('GET /v1/statistics/{metric}: pages of observations', () => {
  const key = 'GET /v1/statistics/{metric}';
  const base = '/v1/statistics/foreign_fighters_departed';
  test('links.next from the first page visits every observation once, the rest unchanged', async () => {
    const all = (await call(key, 'GET', `${base}?limit=1000`, { want: 200 })).json.data;
    const total = all.observations_total;
    assert.equal(all.observations.length, total);
    assert.equal(all.summary.claims, total);
    const seen = [];
    let target = `${base}?limit=2`;
    for (let pages = 0; target; pages++) {
      assert.ok(pages <= total, 'links.next never ends');
      const d = (await call(key, 'GET', target, { want: 200 })).json.data;
      assert.equal(d.observations_total, total);
      assert.deepEqual(d.summary, all.summary);
      assert.deepEqual(d.disagreements, all.disagreements);
      assert.equal(d.links.prev === null, pages === 0);
      seen.push(...d.observations);
      target = d.links.next;
    }
    assert.deepEqual(seen, all.observations);
  });
  test('a page past the end is empty; each page has its own ETag', async () => {
    const past = (await call(key, 'GET', `${base}?offset=100000`, { want: 200 })).json.data;
    assert.equal(past.observations.length, 0);
    assert.ok(past.observations_total > 0);
    assert.equal(past.links.next, null);
    const a = await call(key, 'GET', `${base}?limit=2`, { want: 200 });
    const b = await call(key, 'GET', `${base}?limit=2&offset=2`, { want: 200 });
    assert.notEqual(a.headers.etag, b.headers.etag);
    await call(key, 'GET', `${base}?limit=2`, { want: 304, headers: { 'If-None-Match': a.headers.etag } });
  });
});

/* ---- negative cases: generated from each parameter's schema ---------------- */

/** Values that the parameter's schema refuses (checked with ajv before use). */
function invalidValues(p) {
  const s = deref(p.schema);
  const resolved = s.$ref ? deref(s) : s;
  const cands = ['', 'zz-not-valid!', '!!', ',', 'a,,b', 'abc', '1.5', 'NaN', '2015-13', '20150', '-1'];
  if (resolved.minimum !== undefined) cands.push(String(resolved.minimum - 1));
  if (resolved.maximum !== undefined) cands.push(String(resolved.maximum + 1));
  if (resolved.maxLength !== undefined) cands.push('x'.repeat(resolved.maxLength + 1));
  const out = [];
  const seen = new Set();
  for (const v of cands) {
    if (seen.has(v)) continue;
    seen.add(v);
    if (textErrors(p.schema, v) !== null) out.push(v);
  }
  return out;
}

describe('negative cases (generated from the spec): 4xx problem+json, never 5xx', () => {
  for (const o of READS) {
    const qparams = o.params.filter((p) => p.in === 'query');
    const required = qparams.filter((p) => p.required).map((p) => [p.name, p.example]);
    const path = fillPath(o.path, o.params);

    async function expectBadParam(pairs, name) {
      const res = await request('GET', path + query(pairs));
      stats.negative++;
      assert.ok(res.status >= 400 && res.status < 500, `${o.key} ${query(pairs)}: want 4xx, got ${res.status}\n${res.text.slice(0, 300)}`);
      assert.equal(res.status, 400, `${o.key} ${query(pairs)}: ${res.text.slice(0, 300)}`);
      assert.equal(res.headers['content-type'], 'application/problem+json');
      validateResponse(o.key, res, { allowDefault: false });
      assert.ok(
        res.json.errors.some((e) => e.parameter === name),
        `${o.key} ${query(pairs)}: errors[] does not name '${name}': ${res.text}`,
      );
    }

    test(`${o.key}: an unknown parameter`, async () => {
      await expectBadParam([...required, ['zz_unknown', '1']], 'zz_unknown');
    });
    for (const p of qparams) {
      const bad = invalidValues(p);
      test(`${o.key}: ${p.name} = each of ${bad.length} values its schema refuses`, async () => {
        assert.ok(bad.length > 0, `no invalid value found for ${p.name}`);
        for (const v of bad) {
          const pairs = required.filter(([k]) => k !== p.name);
          await expectBadParam([...pairs, [p.name, v]], p.name);
        }
      });
      if (p.example !== undefined) {
        test(`${o.key}: ${p.name} given twice`, async () => {
          const pairs = required.filter(([k]) => k !== p.name);
          await expectBadParam([...pairs, [p.name, p.example], [p.name, p.example]], p.name);
        });
      }
      if (p.required) {
        test(`${o.key}: ${p.name} missing`, async () => {
          await expectBadParam(required.filter(([k]) => k !== p.name), p.name);
        });
      }
    }
    if (o.params.some((p) => p.in === 'path')) {
      test(`${o.key}: an unknown id is a 404`, async () => {
        const over = Object.fromEntries(o.params.filter((p) => p.in === 'path').map((p) => [p.name, 'zz-no-such-id']));
        const res = await call(o.key, 'GET', fillPath(o.path, o.params, over) + query(required), { want: 404, allowDefault: false });
        assert.equal(res.json.type, '/problems/not-found');
        stats.negative++;
      });
    }
  }
  for (const o of WRITES) {
    test(`${o.key}: without a token is a 401 with a challenge`, async () => {
      const res = await call(o.key, o.method.toUpperCase(), fillPath(o.path, o.params) + '?zz_unknown=1', {
        want: 401,
        headers: json,
        body: '{}',
        allowDefault: false,
      });
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="marsad"');
      stats.negative++;
    });
    test(`${o.key}: an unknown token is a 401 invalid_token`, async () => {
      const res = await call(o.key, o.method.toUpperCase(), fillPath(o.path, o.params), {
        want: 401,
        headers: { ...json, ...auth('not-a-token') },
        body: '{}',
        allowDefault: false,
      });
      assert.match(res.headers['www-authenticate'], /error="invalid_token"/);
      stats.negative++;
    });
  }
});

/* ---- operations with a body that need no token ----------------------------- */

describe('open POST operations (no token: they store nothing)', () => {
  for (const o of OPEN_POSTS) {
    const content = deref(o.op.requestBody).content;
    for (const media of Object.keys(content)) {
      test(`${o.key}: its ${media} example without a token`, async () => {
        const ex = requestExample(o.op, media);
        const body = typeof ex === 'string' ? ex : JSON.stringify(ex);
        const res = await call(o.key, o.method.toUpperCase(), fillPath(o.path, o.params), {
          want: 200,
          headers: { 'Content-Type': media },
          body,
          allowDefault: false,
        });
        assert.ok(Array.isArray(res.json.data));
      });
    }
    test(`${o.key}: a wrong media type is a 415, a malformed body a 400, a wrong member a 422`, async () => {
      const target = fillPath(o.path, o.params);
      await call(o.key, 'POST', target, { want: 415, headers: { 'Content-Type': 'application/xml' }, body: '<x/>', allowDefault: false });
      await call(o.key, 'POST', target, { want: 400, headers: json, body: '{"text":', allowDefault: false });
      await call(o.key, 'POST', target, { want: 422, headers: json, body: '{"text": 5}', allowDefault: false });
      stats.negative += 3;
    });
  }
});

/* ---- server-level behaviour (documented in the introduction) --------------- */

describe('server-level responses', () => {
  test('an unknown path is a 404 problem', async () => {
    const res = await request('GET', '/v1/zz-nothing-here');
    assert.equal(res.status, 404);
    validateComponentResponse('NotFound', res);
  });
  test('a known path with another method is a 405 with Allow', async () => {
    const res = await request('PUT', '/v1/claims');
    assert.equal(res.status, 405);
    validateComponentResponse('Error', res);
    assert.match(res.headers.allow, /GET, HEAD, POST, OPTIONS/);
  });
  test('OPTIONS answers 204 with Allow and the CORS preflight headers', async () => {
    const res = await request('OPTIONS', '/v1/claims/berman-004', { headers: { Origin: 'http://example.invalid', 'Access-Control-Request-Method': 'PATCH' } });
    assert.equal(res.status, 204);
    assert.equal(res.headers.allow, 'GET, HEAD, PATCH, DELETE, OPTIONS');
    assert.equal(res.headers['access-control-allow-methods'], 'GET, HEAD, PATCH, DELETE, OPTIONS');
    assert.ok(res.headers['access-control-allow-headers'].includes('If-Match'));
    assert.ok(res.headers['x-request-id']);
  });
  test('every path of the spec answers OPTIONS with the methods the spec lists', async () => {
    for (const [path, item] of Object.entries(SPEC.paths)) {
      const o = OPS.find((x) => x.path === path);
      const res = await request('OPTIONS', fillPath(path, o.params));
      assert.equal(res.status, 204, path);
      const allow = res.headers.allow.split(', ');
      for (const m of ['get', 'post', 'patch', 'delete', 'put']) {
        assert.equal(allow.includes(m.toUpperCase()), !!item[m], `${path}: Allow ${res.headers.allow}`);
      }
    }
  });
  test('CORS headers and an echoed X-Request-Id', async () => {
    const res = await request('GET', '/healthz', { headers: { 'X-Request-Id': 'contract-test:1' } });
    assert.equal(res.headers['x-request-id'], 'contract-test:1');
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.match(res.headers['access-control-expose-headers'], /X-Total-Count, Link, ETag/);
  });
  test('a bad X-Request-Id is replaced', async () => {
    const res = await request('GET', '/healthz', { headers: { 'X-Request-Id': 'bad id with spaces' } });
    assert.notEqual(res.headers['x-request-id'], 'bad id with spaces');
    validateResponse('GET /healthz', res);
  });
  test('a request target over 8192 bytes is a 414', async () => {
    const res = await request('GET', `/v1/claims?q=${'a'.repeat(9000)}`);
    assert.equal(res.status, 414);
    validateComponentResponse('Error', res);
    stats.negative++;
  });
  test('request headers over 16 KiB are a 431', async () => {
    const res = await request('GET', '/healthz', { headers: { 'X-Padding': 'a'.repeat(12000), 'X-Padding-2': 'b'.repeat(6000) } });
    assert.equal(res.status, 431);
    validateComponentResponse('Error', res);
    stats.negative++;
  });
  test('an unknown method is a 501', async () => {
    const res = await request('BREW', '/v1/claims');
    assert.equal(res.status, 501);
    validateComponentResponse('Error', res);
    stats.negative++;
  });
  test('over --rate-limit is a 429 with Retry-After; health checks and metrics are exempt', { skip: !LIMITED_URL && 'MARSAD_LIMITED_URL is not set' }, async () => {
    const codes = [];
    for (let i = 0; i < 8; i++) {
      const res = await request('GET', '/v1/claims?limit=1', { base: LIMITED_URL });
      codes.push(res.status);
      validateResponse('GET /v1/claims', res, { allowDefault: false });
      if (res.status === 429) {
        assert.equal(res.json.type, '/problems/too-many-requests');
        stats.negative++;
      }
    }
    assert.ok(codes.includes(429), `no 429 in ${codes.join(', ')}`);
    for (const path of ['/healthz', '/readyz', '/metrics', '/healthz']) {
      const res = await request('GET', path, { base: LIMITED_URL });
      assert.equal(res.status, 200, path);
    }
  });
  test('a malformed percent escape is a 400', async () => {
    const res = await request('GET', '/v1/claims?q=%zz');
    assert.equal(res.status, 400);
    validateResponse('GET /v1/claims', res);
    stats.negative++;
  });
});

/* ---- curation: a scenario per resource -------------------------------------- */

describe('curation (on a private copy of the database)', { skip: !TOKEN && 'MARSAD_TOKEN is not set' }, () => {
  const op = (key) => OPS.find((o) => o.key === key).op;

  for (const [resource, itemPath] of [
    ['programs', '/v1/programs/{id}'],
    ['sources', '/v1/sources/{id}'],
    ['claims', '/v1/claims/{id}'],
    ['conflicts', '/v1/conflicts/{id}'],
  ]) {
    test(`${resource}: create, read, conflict, patch, preconditions, revisions, delete, gone, restore`, async () => {
      const coll = `/v1/${resource}`;
      const create = `POST ${coll}`;
      const body = requestExample(op(create));
      // Refusals before anything is stored.
      await call(create, 'POST', coll, { want: 415, headers: { ...auth(), 'Content-Type': 'text/plain' }, body });
      await call(create, 'POST', coll, { want: 400, headers: { ...auth(), ...json }, body: '{"id":' });
      await call(create, 'POST', coll, { want: 422, headers: { ...auth(), ...json }, body: { ...body, id: 'Not A Slug!', zz_unknown: 1 } });
      await call(create, 'POST', coll, { want: 400, headers: { ...auth(), ...json, 'X-Change-Reason': 'r'.repeat(501) }, body });
      stats.negative += 4;
      // Create.
      const created = await call(create, 'POST', coll, { want: 201, headers: { ...auth(), ...json, 'X-Change-Reason': 'contract test' }, body });
      const id = created.json.data.id;
      assert.equal(created.headers.location, `${coll}/${id}`);
      const item = itemPath.replace('{id}', encodeURIComponent(id));
      await call(`GET ${itemPath}`, 'GET', item, { want: 200 });
      if (body.id) {
        await call(create, 'POST', coll, { want: 409, headers: { ...auth(), ...json }, body });
        stats.negative++;
      }
      // Patch, with and without a fresh If-Match.
      const patchKey = `PATCH ${itemPath}`;
      const patch = requestExample(op(patchKey), 'application/merge-patch+json');
      const patched = await call(patchKey, 'PATCH', item, {
        want: 200,
        headers: { ...auth(), ...mergePatch, 'If-Match': created.headers.etag },
        body: patch,
      });
      await call(patchKey, 'PATCH', item, { want: 412, headers: { ...auth(), ...mergePatch, 'If-Match': '"1-w"' }, body: patch });
      await call(patchKey, 'PATCH', item, { want: 415, headers: { ...auth(), 'Content-Type': 'text/plain' }, body: patch });
      await call(patchKey, 'PATCH', item, { want: 422, headers: { ...auth(), ...mergePatch }, body: { id: 'zz-other-id' } });
      stats.negative += 3;
      // History.
      const revs = await call(`GET ${itemPath}/revisions`, 'GET', `${item}/revisions`, { want: 200 });
      assert.deepEqual(revs.json.data.map((r) => r.action), ['create', 'update']);
      assert.equal(revs.json.data[0].reason, 'contract test');
      // Delete (write scope), then the record is gone.
      const delKey = `DELETE ${itemPath}`;
      await call(delKey, 'DELETE', item, { want: 412, headers: { ...auth(WRITE_TOKEN), 'If-Match': '"1-w"' } });
      await call(delKey, 'DELETE', item, { want: 204, headers: { ...auth(WRITE_TOKEN), 'If-Match': patched.headers.etag } });
      await call(`GET ${itemPath}`, 'GET', item, { want: 410, allowDefault: false });
      await call(patchKey, 'PATCH', item, { want: 410, headers: { ...auth(), ...mergePatch }, body: patch });
      await call(delKey, 'DELETE', item, { want: 410, headers: auth() });
      stats.negative += 4;
      // Restore needs admin.
      const restoreKey = `POST ${itemPath}/restore`;
      await call(restoreKey, 'POST', `${item}/restore`, { want: 403, headers: auth(WRITE_TOKEN) });
      await call(restoreKey, 'POST', `${item}/restore`, { want: 200, headers: { ...auth(), 'X-Change-Reason': 'contract test' } });
      await call(restoreKey, 'POST', `${item}/restore`, { want: 409, headers: auth() });
      await call(`GET ${itemPath}`, 'GET', item, { want: 200 });
      const all = await call(`GET ${itemPath}/revisions`, 'GET', `${item}/revisions?limit=2&offset=2`, { want: 200 });
      assert.deepEqual(all.json.data.map((r) => r.action), ['delete', 'restore']);
      // Unknown ids.
      for (const [key, method, target] of [
        [patchKey, 'PATCH', itemPath.replace('{id}', 'zz-no-such-id')],
        [delKey, 'DELETE', itemPath.replace('{id}', 'zz-no-such-id')],
        [restoreKey, 'POST', `${itemPath.replace('{id}', 'zz-no-such-id')}/restore`],
      ]) {
        await call(key, method, target, { want: 404, headers: { ...auth(), ...mergePatch }, body: method === 'PATCH' ? patch : undefined });
        stats.negative++;
      }
      // X-Change-Reason over 500 bytes on delete.
      await call(delKey, 'DELETE', item, { want: 400, headers: { ...auth(), 'X-Change-Reason': 'r'.repeat(501) } });
      stats.negative++;
    });
  }

  test('sources: a source with live claims cannot be deleted, nor its text changed', async () => {
    await call('DELETE /v1/sources/{id}', 'DELETE', '/v1/sources/berman-2019-returnees', { want: 409, headers: auth() });
    await call('PATCH /v1/sources/{id}', 'PATCH', '/v1/sources/berman-2019-returnees', {
      want: 409,
      headers: { ...auth(), ...mergePatch },
      body: { text: 'A different text.' },
    });
    stats.negative += 2;
  });

  test('metrics and relations: create, read, refusals that name the problem, patch, revisions, remove', async () => {
    const mBody = requestExample(op('POST /v1/metrics'));
    const m = await call('POST /v1/metrics', 'POST', '/v1/metrics', { want: 201, headers: { ...auth(), ...json }, body: mBody });
    assert.equal(m.headers.location, `/v1/metrics/${mBody.id}`);
    await call('POST /v1/metrics', 'POST', '/v1/metrics', { want: 409, headers: { ...auth(), ...json }, body: mBody });
    await call('POST /v1/metrics', 'POST', '/v1/metrics', { want: 422, headers: { ...auth(), ...json }, body: { ...mBody, id: 'other_metric', value_type: 'text' } });
    const got = await call('GET /v1/metrics/{id}', 'GET', `/v1/metrics/${mBody.id}`, { want: 200 });
    await call('PATCH /v1/metrics/{id}', 'PATCH', `/v1/metrics/${mBody.id}`, {
      want: 200,
      headers: { ...auth(), ...mergePatch, 'If-Match': m.headers.etag },
      body: requestExample(op('PATCH /v1/metrics/{id}'), 'application/merge-patch+json'),
    });
    await call('PATCH /v1/metrics/{id}', 'PATCH', `/v1/metrics/${mBody.id}`, { want: 412, headers: { ...auth(), ...mergePatch, 'If-Match': got.headers.etag }, body: { label: 'Late' } });
    // A metric whose claims and relations use its unit keeps it.
    const unit = await call('PATCH /v1/metrics/{id}', 'PATCH', '/v1/metrics/foreign_fighters_departed', { want: 422, headers: { ...auth(), ...mergePatch }, body: { unit: 'percent' } });
    assert.ok(unit.json.errors.some((e) => e.pointer === '/unit' && /claims/.test(e.detail)), unit.text);
    stats.negative += 4;

    const rBody = requestExample(op('POST /v1/relations'));
    const r = await call('POST /v1/relations', 'POST', '/v1/relations', { want: 201, headers: { ...auth(), ...json }, body: rBody });
    for (const [body, pointer, pattern] of [
      [{ ...rBody, id: 'zz_missing', whole: 'zz_no_metric' }, '/whole', /unknown metric/],
      [{ ...rBody, id: 'zz_cycle', metric: rBody.whole, whole: rBody.metric }, '/whole', /cycle/],
      [{ id: 'zz_units', kind: 'share', metric: 'foreign_fighters_share_from_place', part: 'program_start_date', whole: 'foreign_fighters_departed' }, '/part', /unit/],
      [{ id: 'zz_members', kind: 'range', metric: 'individual_sentence', whole: 'foreign_fighters_departed' }, '/whole', /not used/],
    ]) {
      const res = await call('POST /v1/relations', 'POST', '/v1/relations', { want: 422, headers: { ...auth(), ...json }, body });
      assert.ok(res.json.errors.some((e) => e.pointer === pointer && pattern.test(e.detail)), res.text);
      const gone = await request('GET', `/v1/relations/${body.id}`);
      assert.equal(gone.status, 404, 'nothing of a refused write is stored');
      stats.negative++;
    }
    await call('PATCH /v1/relations/{id}', 'PATCH', `/v1/relations/${rBody.id}`, {
      want: 200,
      headers: { ...auth(), ...mergePatch, 'If-Match': r.headers.etag },
      body: requestExample(op('PATCH /v1/relations/{id}'), 'application/merge-patch+json'),
    });
    const metricRels = await call('GET /v1/metrics/{id}', 'GET', `/v1/metrics/${rBody.metric}`, { want: 200 });
    assert.ok(metricRels.json.data.relations.includes(rBody.id));
    await call('DELETE /v1/relations/{id}', 'DELETE', `/v1/relations/${rBody.id}`, { want: 204, headers: auth(WRITE_TOKEN) });
    await call('GET /v1/relations/{id}', 'GET', `/v1/relations/${rBody.id}`, { want: 410, allowDefault: false });
    await call('DELETE /v1/relations/{id}', 'DELETE', `/v1/relations/${rBody.id}`, { want: 404, headers: auth() });
    const revs = await call('GET /v1/relations/{id}/revisions', 'GET', `/v1/relations/${rBody.id}/revisions`, { want: 200 });
    assert.deepEqual(revs.json.data.map((x) => x.action), ['create', 'update', 'delete']);
    stats.negative += 2;
  });

  test('curated conflicts: a deleted claim is refused, a cited claim is not deleted', async () => {
    const body = { id: 'curated-zz-contract', a: ['mipa-055'], b: ['mohammed-072'], explanation: 'Contract test.' };
    await call('POST /v1/conflicts', 'POST', '/v1/conflicts', { want: 201, headers: { ...auth(), ...json }, body });
    const del = await call('DELETE /v1/claims/{id}', 'DELETE', '/v1/claims/mohammed-072', { want: 409, headers: auth() });
    assert.match(del.json.detail, /curated conflict/);
    const bad = await call('POST /v1/conflicts', 'POST', '/v1/conflicts', {
      want: 422,
      headers: { ...auth(), ...json },
      body: { ...body, id: 'curated-zz-bad', a: ['zz-no-claim'], b: ['mipa-055', 'mipa-055'], certainty: 'possible' },
    });
    assert.deepEqual(bad.json.errors.map((e) => e.pointer).sort(), ['/a/0', '/b/1', '/dissolves_if']);
    await call('PATCH /v1/conflicts/{id}', 'PATCH', '/v1/conflicts/interval-1cf91c7f2b47ffc1', { want: 404, headers: { ...auth(), ...mergePatch }, body: { explanation: 'x' } });
    stats.negative += 3;
  });

  test('a body over --max-body is a 413', async () => {
    const big = JSON.stringify({ id: 'big', name: 'x'.repeat(1100 * 1024), kind: 'program' });
    const res = await request('POST', '/v1/programs', { headers: { ...auth(), ...json }, body: big, expectContinue: true });
    assert.equal(res.status, 413);
    validateResponse('POST /v1/programs', res, { allowDefault: false });
    stats.negative++;
  });

  test('a read-only server refuses every write with 405', { skip: !RO_URL && 'MARSAD_RO_URL is not set' }, async () => {
    for (const o of WRITES) {
      const target = fillPath(o.path, o.params);
      const res = await request(o.method.toUpperCase(), target, { base: RO_URL, headers: { ...auth(), ...json }, body: '{}' });
      assert.equal(res.status, 405, `${o.key}: ${res.text}`);
      assert.equal(res.json.type, '/problems/read-only');
      validateResponse(o.key, res, { allowDefault: false });
      stats.negative++;
    }
  });
});

/* ---- coverage: nothing in the spec goes untested ----------------------------- */

describe('coverage', () => {
  test('every operation of the spec was exercised and answered with a documented success', () => {
    const missing = OPS.filter(
      (o) => ![...stats.byOperation.keys()].some((k) => k.startsWith(`${o.key} 2`)),
    ).map((o) => o.key);
    assert.deepEqual(missing, [], `operations never answered 2xx: ${missing.join(', ')}`);
  });
  test('the base URL is a loopback address', () => {
    assert.match(new URL(BASE).hostname, /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/);
  });
});
