// Shared by the contract tests: the spec, an HTTP client, and response validation
// against the spec with ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export const BASE = process.env.MARSAD_URL;
if (!BASE) throw new Error('MARSAD_URL is not set (make contract sets it)');
export const SPEC_PATH =
  process.env.MARSAD_SPEC || fileURLToPath(new URL('../../openapi.yaml', import.meta.url));
export const SPEC_TEXT = readFileSync(SPEC_PATH, 'utf8');
// The core schema, as tools/yaml2json.c resolves scalars (no timestamps).
export const SPEC = yaml.load(SPEC_TEXT, { schema: yaml.CORE_SCHEMA });

export const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

/* ---- the spec -------------------------------------------------------------- */

/** Follows a local $ref ("#/components/...") to the object it names. */
export function deref(obj) {
  let o = obj;
  for (let i = 0; o && o.$ref && i < 10; i++) {
    if (!o.$ref.startsWith('#/')) throw new Error(`external $ref ${o.$ref}`);
    o = o.$ref
      .slice(2)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((n, k) => (n === undefined ? undefined : n[k]), SPEC);
    if (o === undefined) throw new Error(`unresolved $ref ${obj.$ref}`);
  }
  return o;
}

/** Every operation: {key, method, path, op, params (path-level and operation-level, resolved)}. */
export function operations() {
  const out = [];
  for (const [path, item] of Object.entries(SPEC.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = [...(item.parameters || []), ...(op.parameters || [])].map(deref);
      out.push({ key: `${method.toUpperCase()} ${path}`, method, path, op, params });
    }
  }
  return out;
}

/* ---- schema validation ----------------------------------------------------- */

const SCHEMAS_ID = 'https://marsad.invalid/openapi/schemas';

/** Rewrites "#/components/schemas/X" to an absolute reference ajv can resolve from anywhere. */
function rewrite(node) {
  if (Array.isArray(node)) return node.map(rewrite);
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/'))
        out[k] = `${SCHEMAS_ID}#/$defs/${v.slice('#/components/schemas/'.length)}`;
      else out[k] = rewrite(v);
    }
    return out;
  }
  return node;
}

function newAjv(opts) {
  // strictRequired is off: Claim, Source, ... list in `required` the members their allOf defines.
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, ...opts });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'example', schemaType: ['string', 'number', 'boolean', 'object', 'array', 'null'] });
  ajv.addFormat('double', true);
  ajv.addSchema({ $id: SCHEMAS_ID, $defs: rewrite(SPEC.components.schemas) });
  return ajv;
}

export const ajv = newAjv({});
// Header and query values are text: coerce them to the schema's type first.
const ajvText = newAjv({ coerceTypes: true });

const compiled = new Map();
function compile(schema, text = false) {
  const cache = `${text}:${JSON.stringify(schema)}`;
  let fn = compiled.get(cache);
  if (!fn) {
    fn = text
      ? ajvText.compile({ type: 'object', properties: { v: rewrite(schema) }, required: ['v'] })
      : ajv.compile(rewrite(schema));
    compiled.set(cache, fn);
  }
  return fn;
}

/** Errors of `value` against a schema of the spec, or null when it is valid. */
export function schemaErrors(schema, value) {
  const fn = compile(schema);
  return fn(value) ? null : ajv.errorsText(fn.errors, { separator: '\n  ' });
}

/** Errors of a text value (a header, a query parameter) against its schema, or null. */
export function textErrors(schema, value) {
  const fn = compile(schema, true);
  return fn({ v: value }) ? null : ajvText.errorsText(fn.errors, { separator: '\n  ' });
}

export function componentSchema(name) {
  return { $ref: `#/components/schemas/${name}` };
}

/* ---- HTTP -------------------------------------------------------------------- */

/**
 * One request with node:http (so the target goes out byte for byte).
 * Resolves {status, headers (lower-case), text, json}.
 */
export function request(method, target, { headers = {}, body, base = BASE, expectContinue = false } = {}) {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    const data = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    if (data) h['Content-Length'] = String(data.length);
    if (expectContinue) h.Expect = '100-continue';
    const req = http.request(
      { host: url.hostname, port: url.port, method, path: target, headers: h, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          let raw = Buffer.concat(chunks);
          if (res.headers['content-encoding'] === 'gzip' && raw.length) raw = gunzipSync(raw);
          const text = raw.toString('utf8');
          const ct = res.headers['content-type'] || '';
          let json;
          if (/^application\/([^;]+\+)?json(;|$)/.test(ct) && text) json = JSON.parse(text);
          resolve({ status: res.statusCode, headers: res.headers, text, json, method, target });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(30000, () => req.destroy(new Error(`timeout: ${method} ${target}`)));
    if (expectContinue && data) {
      req.on('continue', () => req.end(data));
      req.flushHeaders();
    } else {
      req.end(data);
    }
  });
}

/* ---- validating a response against an operation ---------------------------- */

export const stats = { responses: 0, byOperation: new Map(), negative: 0 };

function mediaType(ct) {
  return (ct || '').split(';')[0].trim().toLowerCase();
}

function describe(res) {
  return `${res.method} ${res.target} -> ${res.status}`;
}

/**
 * Validates status, headers and body of `res` against the response the spec documents
 * for it (explicitly by status, or `default` for errors). Returns the response object.
 */
export function validateResponse(opKey, res, { allowDefault = true } = {}) {
  const op = operations().find((o) => o.key === opKey);
  if (!op) throw new Error(`no operation ${opKey} in the spec`);
  return validateAgainst(op.op.responses, res, `${opKey}: ${describe(res)}`, allowDefault, opKey);
}

/** Validates against one response object of components/responses (server-level errors). */
export function validateComponentResponse(name, res) {
  return validateAgainst({ [String(res.status)]: { $ref: `#/components/responses/${name}` } }, res, `${name}: ${describe(res)}`, false, null);
}

function validateAgainst(responses, res, where, allowDefault, opKey) {
  let doc = responses[String(res.status)];
  if (!doc && allowDefault && res.status >= 400) doc = responses.default;
  if (!doc) throw new Error(`${where}: status ${res.status} is not documented\n${res.text.slice(0, 400)}`);
  doc = deref(doc);
  // Headers.
  for (const [name, hdoc0] of Object.entries(doc.headers || {})) {
    const hdoc = deref(hdoc0);
    const value = res.headers[name.toLowerCase()];
    if (value === undefined) {
      if (hdoc.required) throw new Error(`${where}: header ${name} is missing`);
      continue;
    }
    const err = textErrors(hdoc.schema, Array.isArray(value) ? value.join(', ') : value);
    if (err) throw new Error(`${where}: header ${name}: ${value}\n  ${err}`);
  }
  // X-Request-Id is on every response, documented or not.
  if (!res.headers['x-request-id']) throw new Error(`${where}: no X-Request-Id`);
  // Body.
  const content = doc.content;
  if (!content) {
    if (res.text.length) throw new Error(`${where}: documented without a body, got ${res.text.length} bytes`);
  } else if (res.method !== 'HEAD' && !(res.text === '' && !res.headers['content-type'])) {
    // (An empty body has no Content-Type: an NDJSON or CSV page with nothing on it.)
    const mt = mediaType(res.headers['content-type']);
    const media = Object.entries(content).find(([k]) => mediaType(k) === mt);
    if (!media) throw new Error(`${where}: Content-Type ${res.headers['content-type']} is not documented (${Object.keys(content).join(', ')})`);
    const schema = media[1].schema;
    const value = /^application\/([^;]+\+)?json$/.test(mt) ? res.json : res.text;
    if (schema) {
      const err = schemaErrors(schema, value);
      if (err) throw new Error(`${where}: body does not match the ${mt} schema:\n  ${err}\n${res.text.slice(0, 600)}`);
    }
    if (mt === 'application/x-ndjson' && media[1]['x-line-types']) validateTypedNdjson(media[1], res.text, where);
    else if (mt === 'application/x-ndjson') validateNdjson(ndjsonItems(opKey, content), res.text, where);
  }
  stats.responses++;
  if (opKey) {
    const k = `${opKey} ${res.status}`;
    stats.byOperation.set(k, (stats.byOperation.get(k) || 0) + 1);
  }
  return doc;
}

/**
 * The schema of one item of an NDJSON list: the items of `data` in the JSON representation,
 * documented on the same response or on the JSON twin of a `.ndjson` path. A page schema
 * that is a oneOf (whole or sparse items) gives an anyOf of their items.
 */
function ndjsonItems(opKey, content) {
  let json = content['application/json'];
  const m = opKey && opKey.match(/^GET (.*)\.ndjson$/);
  if (!json && m) {
    const jsonOp = operations().find((o) => o.key === `GET ${m[1]}`);
    json = jsonOp && deref(deref(jsonOp.op.responses['200']).content?.['application/json'] || {});
  }
  const page = json && json.schema && deref(json.schema);
  if (!page) return null;
  if (page.oneOf) return { anyOf: page.oneOf.map((s) => deref(s).properties?.data?.items).filter(Boolean) };
  return page.properties?.data?.items || null;
}

/** Each NDJSON line is one item of the JSON representation's `data`. */
function validateNdjson(items, text, where) {
  if (!items) return;
  const lines = text.split('\n').filter((l) => l.length);
  for (const line of lines) {
    const err = schemaErrors(items, JSON.parse(line));
    if (err) throw new Error(`${where}: NDJSON line does not match the items of data:\n  ${err}\n${line.slice(0, 300)}`);
  }
}

/**
 * NDJSON whose lines are of several types (GET /v1/export): each line's `type` names its
 * schema in the media type's `x-line-types`; the line less `type` (and the members
 * `x-line-extra` lists for that type) must match it.
 */
function validateTypedNdjson(media, text, where) {
  const types = media['x-line-types'];
  const extra = media['x-line-extra'] || {};
  const lines = text.split('\n').filter((l) => l.length);
  for (const line of lines) {
    const o = JSON.parse(line);
    if (!line.startsWith('{"type":')) throw new Error(`${where}: an NDJSON line does not start with its type:\n${line.slice(0, 300)}`);
    const schema = types[o.type];
    if (!schema) throw new Error(`${where}: NDJSON line of undocumented type ${o.type}`);
    const rest = { ...o };
    delete rest.type;
    for (const k of extra[o.type] || []) delete rest[k];
    const err = schemaErrors(schema, rest);
    if (err) throw new Error(`${where}: NDJSON line of type ${o.type} does not match its schema:\n  ${err}\n${line.slice(0, 300)}`);
  }
}

/** Fills a path template with the examples of its path parameters (or `overrides`). */
export function fillPath(path, params, overrides = {}) {
  return path.replace(/\{([^}]+)\}/g, (_, name) => {
    const v = overrides[name] ?? params.find((p) => p.in === 'path' && p.name === name)?.example;
    if (v === undefined) throw new Error(`no example for path parameter ${name} of ${path}`);
    return encodeURIComponent(String(v));
  });
}

export function query(pairs) {
  const q = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
  return q ? `?${q}` : '';
}
