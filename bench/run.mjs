// `make bench`: Marsad against a fixed-body libmicrohttpd ceiling and Express + better-sqlite3,
// on synthetic databases of 1e3, 1e5 and 1e6 claims. See BENCHMARKS.md.
//
//   node bench/run.mjs                 the whole benchmark (what `make bench` runs)
//   node bench/run.mjs --callgrind     instructions per request only (`make bench-callgrind`)
//   node bench/run.mjs --report        rewrite results.md from results.json
//
// Environment: BENCH_SECONDS (per run, default 10), BENCH_WARMUP (default 2),
// BENCH_CONNECTIONS (default 32), BENCH_SIZES (default 1000,100000,1000000),
// BENCH_LOG_LEVEL (Marsad's --log-level, default info), BENCH_BUILD (default build/bench),
// BENCH_DATA (databases, default BENCH_BUILD/data), BENCH_READ_ONLY=1 (serve --read-only),
// BENCH_CALLGRIND_REQUESTS (default 300), BENCH_SKIP_CALLGRIND=1.
//
// Everything runs on loopback; every server binds port 0 and says which port it got.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUILD = path.resolve(ROOT, process.env.BENCH_BUILD || 'build/bench');
const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNS = Number(process.env.BENCH_CONNECTIONS || 32);
const SIZES = (process.env.BENCH_SIZES || '1000,100000,1000000').split(',').map(Number);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL || 'info';
const CG_REQUESTS = Number(process.env.BENCH_CALLGRIND_REQUESTS || 300);
const MAIN_SIZE = SIZES.includes(100000) ? 100000 : SIZES[Math.floor(SIZES.length / 2)];
const SMALL = Math.min(...SIZES);
const LARGE = Math.max(...SIZES);
const MARSAD = path.join(BUILD, 'marsad');
const SYNTH = path.join(BUILD, 'marsad-synth');
const CEILING = path.join(BUILD, 'ceiling');
const EXPRESS = path.join(ROOT, 'bench', 'express', 'server.js');
const LUA_IDS = path.join(ROOT, 'bench', 'lua', 'random_ids.lua');
const DATA = path.resolve(ROOT, process.env.BENCH_DATA || path.join(BUILD, 'data'));
const LOGS = path.join(BUILD, 'logs');
const STATS_METRIC = 'foreign_fighters_departed'; // 5,000 claims from 1e5 claims up
const LIST_METRIC = 'returnees_arrested'; // 1,000 claims from 2e4 claims up
const SEARCH_Q = 'musalaha';
const CALLGRIND_ONLY = process.argv.includes('--callgrind');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log(...a);
fs.mkdirSync(DATA, { recursive: true });
fs.mkdirSync(LOGS, { recursive: true });

// ---- helpers -------------------------------------------------------------------------------

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0 && !opts.allowFail)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r;
}

function fileHash(files) {
  const h = createHash('sha256');
  for (const f of files) {
    h.update(f);
    h.update(fs.readFileSync(path.join(ROOT, f)));
  }
  return h.digest('hex');
}

/* GET through a fresh connection; resolves {status, headers, body, ms}. */
function get(port, urlPath, headers = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    req.on('error', reject);
    req.setTimeout(30000, () => req.destroy(new Error('timeout')));
  });
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/* CPU seconds (user + system, all threads) the process has used so far. */
function cpuSeconds(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime
  } catch { return NaN; }
}

function procStatus(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => { const m = s.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')); return m ? Number(m[1]) : 0; };
    return { hwm: kb('VmHWM'), rss: kb('VmRSS'), anon: kb('RssAnon') };
  } catch { return null; }
}

/*
 * Starts a server; resolves once it printed "listening on http://HOST:PORT" (stdout or its
 * log file). Output goes to a file, never through a pipe this process has to drain.
 */
async function startServer(name, cmd, args, { pin = null, timeoutMs = 60000, drainPin = null } = {}) {
  const logPath = path.join(LOGS, `${name}.log`);
  fs.writeFileSync(logPath, '');
  // stdout and stderr go to a pipe, as under a container runtime or systemd: a drain process
  // keeps the first 64 KiB (the "listening" line, errors) and discards the access log.
  const drainCmd = ['sh', '-c', 'stdbuf -o0 head -c 65536 > "$0"; exec cat > /dev/null', logPath];
  const dfull = drainPin === null ? drainCmd : ['taskset', '-c', String(drainPin), ...drainCmd];
  const drain = spawn(dfull[0], dfull.slice(1), { stdio: ['pipe', 'ignore', 'ignore'] });
  const full = pin === null ? [cmd, ...args] : ['taskset', '-c', String(pin), cmd, ...args];
  const t0 = process.hrtime.bigint();
  const child = spawn(full[0], full.slice(1), { stdio: ['ignore', drain.stdin, drain.stdin] });
  drain.stdin.destroy(); // the server holds the write end now
  let exited = null;
  child.on('exit', (code, sig) => { exited = { code, sig }; });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${name} exited (${JSON.stringify(exited)}): ${fs.readFileSync(logPath, 'utf8').slice(0, 2000)}`);
    const head = readHead(logPath);
    let m = head.match(/listening on http:\/\/[0-9.]+:(\d+)/);
    if (!m && QUIET && cmd === MARSAD) { // the log level hides the line: ask /healthz
      const port = args[args.indexOf('--port') + 1];
      try { if ((await get(Number(port), '/healthz')).status === 200) m = [null, port]; } catch { /* not yet */ }
    }
    if (m) {
      const port = Number(m[1]);
      return { name, child, drain, pid: child.pid, port, logPath, t0,
        listenMs: Number(process.hrtime.bigint() - t0) / 1e6, exited: () => exited };
    }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`${name} did not start`); }
    await sleep(1);
  }
}

function readHead(p) {
  const fd = fs.openSync(p, 'r');
  const b = Buffer.alloc(8192);
  const n = fs.readSync(fd, b, 0, b.length, 0);
  fs.closeSync(fd);
  return b.subarray(0, n).toString('utf8');
}

async function stopServer(s, { keepLog = false } = {}) {
  if (!s.exited()) {
    s.child.kill('SIGTERM');
    for (let i = 0; i < 1500 && !s.exited(); i++) await sleep(10);
    if (!s.exited()) s.child.kill('SIGKILL');
    for (let i = 0; i < 100 && !s.exited(); i++) await sleep(10);
  }
  for (let i = 0; i < 200 && s.drain.exitCode === null && s.drain.signalCode === null; i++) await sleep(5);
  if (s.drain.exitCode === null && s.drain.signalCode === null) s.drain.kill('SIGKILL');
  if (!keepLog) fs.rmSync(s.logPath, { force: true });
}

function parseWrk(out) {
  const num = (re) => { const m = out.match(re); return m ? m[1] : null; };
  const dur = (v) => {
    if (!v) return null;
    const m = v.match(/^([\d.]+)(us|ms|s|m)$/);
    if (!m) return null;
    const x = Number(m[1]);
    return m[2] === 'us' ? x / 1000 : m[2] === 'ms' ? x : m[2] === 's' ? x * 1000 : x * 60000;
  };
  return {
    rps: Number(num(/Requests\/sec:\s+([\d.]+)/)),
    p50_ms: dur(num(/^\s+50%\s+(\S+)/m)),
    p99_ms: dur(num(/^\s+99%\s+(\S+)/m)),
    requests: Number(num(/(\d+) requests in/)),
    non_2xx_3xx: Number(num(/Non-2xx or 3xx responses:\s+(\d+)/) || 0),
    socket_errors: num(/Socket errors:\s+(.*)/),
  };
}

function wrkArgs({ port, urlPath, seconds, threads, script, scriptArgs, header }) {
  const a = ['-t', String(threads), '-c', String(CONNS), '-d', `${seconds}s`, '--latency'];
  if (header) a.push('-H', header);
  if (script) a.push('-s', script);
  a.push(`http://127.0.0.1:${port}${urlPath}`);
  if (scriptArgs) a.push('--', ...scriptArgs);
  return a;
}

function runWrk(opts, pin) {
  return new Promise((resolve, reject) => {
    const args = wrkArgs(opts);
    const full = pin === null ? ['wrk', ...args] : ['taskset', '-c', String(pin), 'wrk', ...args];
    const child = spawn(full[0], full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk failed: ${out}`))));
  });
}

// ---- databases -----------------------------------------------------------------------------

function synthInputs() {
  const migs = fs.readdirSync(path.join(ROOT, 'db/migrations')).filter((f) => f.endsWith('.sql')).sort()
    .map((f) => `db/migrations/${f}`);
  return fileHash(['tools/synth/synth.c', 'tools/synth/synth.h', ...migs]);
}

function ensureDb(n) {
  const db = path.join(DATA, `synth-${n}.db`);
  const stamp = `${db}.stamp`;
  const want = synthInputs();
  const info = { claims: n, path: path.relative(ROOT, db) };
  if (fs.existsSync(db) && fs.existsSync(stamp)) {
    const st = JSON.parse(fs.readFileSync(stamp, 'utf8'));
    if (st.inputs === want)
      return { ...info, ...st.info, reused: true, size_bytes: fs.statSync(db).size };
  }
  log(`generating ${n} claims ...`);
  for (const ext of ['', '-wal', '-shm']) fs.rmSync(db + ext, { force: true });
  const t0 = Date.now();
  const r = sh(SYNTH, ['--claims', String(n), '--out', db]);
  const line = r.stdout.trim();
  const total = line.match(/total ([\d.]+) s/);
  const out = { build_seconds: total ? Number(total[1]) : (Date.now() - t0) / 1000, line };
  fs.writeFileSync(stamp, JSON.stringify({ inputs: want, info: out }));
  log(`  ${line}`);
  return { ...info, ...out, reused: false, size_bytes: fs.statSync(db).size };
}

/* A sample of claim ids spread over the table, for the random-id wrk script. */
function idsFile(n) {
  const file = path.join(DATA, `ids-${n}.txt`);
  const db = path.join(DATA, `synth-${n}.db`);
  if (fs.existsSync(file) && fs.statSync(file).mtimeMs >= fs.statSync(db).mtimeMs) return file;
  const require = createRequire(path.join(ROOT, 'bench', 'express', 'package.json'));
  const Database = require('better-sqlite3');
  const d = new Database(db, { readonly: true });
  const step = Math.max(1, Math.floor(n / 10000));
  const rows = d.prepare('SELECT id FROM claim WHERE seq % ? = 0 ORDER BY seq LIMIT 10000').pluck().all(step);
  d.close();
  fs.writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

// ---- one measured run ----------------------------------------------------------------------

const results = { runs: [], databases: [], notes: [] };

function pinning(pinned) {
  return pinned ? { server: 0, wrk: 1, threads: 1, wrkThreads: 1 }
    : { server: null, wrk: null, threads: os.cpus().length, wrkThreads: 2 };
}

/* A port free right now (for a Marsad log level that hides the "listening" line). */
function freePort() {
  const r = spawnSync('node', ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"], { encoding: 'utf8' });
  return r.stdout.trim();
}
const QUIET = !['info', 'debug'].includes(LOG_LEVEL);
// The default deployment: a writable database, which Marsad turns to WAL on start.
// BENCH_READ_ONLY=1 runs `serve --read-only` instead (the file's journal mode as generated).
const RO_FLAG = process.env.BENCH_READ_ONLY === '1' ? ['--read-only'] : [];

function serverCmd(impl, n, threads) {
  const db = path.join(DATA, `synth-${n}.db`);
  if (impl === 'marsad')
    return [MARSAD, ['serve', '--host', '127.0.0.1', '--port', QUIET ? freePort() : '0', '--db', db, ...RO_FLAG,
      '--threads', String(threads), '--log-level', LOG_LEVEL]];
  if (impl === 'ceiling') return [CEILING, ['--port', '0', '--threads', String(threads)]];
  return ['node', [EXPRESS, '--db', db, '--port', '0']];
}

/* Endpoint definitions: how to request it, and its wrk options. */
function endpoint(name, n, ctx) {
  switch (name) {
    case 'claim': return { urlPath: '/v1/claims/', script: LUA_IDS, scriptArgs: [idsFile(n), '/v1/claims/'] };
    case 'list': return { urlPath: `/v1/claims?metric=${LIST_METRIC}&limit=50` };
    case 'statistics': return { urlPath: `/v1/statistics/${STATS_METRIC}` };
    case 'search': return { urlPath: `/v1/search?q=${SEARCH_Q}` };
    case 'sources': return { urlPath: '/v1/sources' };
    case 'not_modified': return { urlPath: `/v1/claims/${ctx.fixedId}`, conditional: true };
    case 'fixed': return { urlPath: '/' };
    default: throw new Error(name);
  }
}

async function measure(impl, name, n, pinned, ctx) {
  const p = pinning(pinned);
  const id = `${impl}-${name}-${n}-${pinned ? 'pinned' : 'unpinned'}`;
  const ep = endpoint(name, n, ctx);
  const row = { id, impl, endpoint: name, claims: n, pinned, path: ep.urlPath + (ep.script ? '{random id}' : ''),
    load_before: os.loadavg()[0] };
  const [cmd, args] = serverCmd(impl, n, p.threads);
  let s;
  try {
    s = await startServer(id, cmd, args, { pin: p.server, drainPin: p.wrk });
    // Probe: does the endpoint exist here, and what does it answer?
    const probePath = ep.script ? `/v1/claims/${ctx.fixedId}` : ep.urlPath;
    const probe = await get(s.port, probePath);
    if (probe.status === 404 && /no resource at/.test(probe.body)) {
      row.status = 'n/a (endpoint missing)';
      return row;
    }
    if (probe.status !== 200) {
      row.status = `error (status ${probe.status})`;
      row.detail = probe.body.slice(0, 300);
      return row;
    }
    row.bytes = Buffer.byteLength(probe.body);
    let header = null;
    if (ep.conditional) {
      const etag = probe.headers.etag;
      if (!etag) { row.status = 'n/a (no ETag)'; return row; }
      const again = await get(s.port, probePath, { 'If-None-Match': etag });
      if (again.status !== 304) { row.status = `error (conditional GET answered ${again.status})`; return row; }
      header = `If-None-Match: ${etag}`;
      row.bytes = 0;
    }
    const w = { port: s.port, urlPath: ep.urlPath, threads: p.wrkThreads, script: ep.script,
      scriptArgs: ep.scriptArgs, header };
    if (WARMUP > 0) await runWrk({ ...w, seconds: WARMUP }, p.wrk);
    // Sample memory while wrk runs: peak RssAnon, and VmHWM (the kernel's peak RSS).
    let anonPeak = 0, rssPeak = 0;
    const sample = () => {
      const st = procStatus(s.pid);
      if (st) { anonPeak = Math.max(anonPeak, st.anon); rssPeak = Math.max(rssPeak, st.rss); }
    };
    const timer = setInterval(sample, 50);
    const cpu0 = cpuSeconds(s.pid);
    const out = await runWrk({ ...w, seconds: SECONDS }, p.wrk);
    const cpu1 = cpuSeconds(s.pid);
    clearInterval(timer);
    sample();
    const st = procStatus(s.pid) || {};
    const parsed = parseWrk(out);
    // Server CPU time per request: much less sensitive to other load than req/s.
    const cpuUs = parsed.requests > 0 ? ((cpu1 - cpu0) * 1e6) / parsed.requests : null;
    Object.assign(row, parsed, { cpu_us_per_request: cpuUs, vmhwm_kb: st.hwm, rss_anon_peak_kb: anonPeak,
      rss_peak_kb: rssPeak, status: 'ok' });
    if (row.non_2xx_3xx > 0) row.status = `ok (${row.non_2xx_3xx} non-2xx/3xx)`;
    return row;
  } catch (e) {
    row.status = 'error';
    row.detail = String(e.message || e).slice(0, 500);
    return row;
  } finally {
    if (s) await stopServer(s, { keepLog: row.status !== 'ok' && row.status !== undefined && !String(row.status).startsWith('n/a') });
    results.runs.push(row);
    const r = row.rps ? `${row.rps.toFixed(0).padStart(7)} req/s  p50 ${fmtMs(row.p50_ms)}  p99 ${fmtMs(row.p99_ms)}  anon ${(row.rss_anon_peak_kb / 1024).toFixed(1)} MiB`
      : row.status;
    log(`  ${id.padEnd(44)} ${r}`);
  }
}

function fmtMs(v) { return v === null || v === undefined ? '-' : v < 1 ? `${(v * 1000).toFixed(0)} us` : `${v.toFixed(2)} ms`; }

// ---- single-request latency, first response -------------------------------------------------

/* Sequential requests over one keep-alive connection with curl; seconds per transfer. */
function curlTimes(port, urlPath, count, header) {
  const urls = Array.from({ length: count }, () => ['-o', '/dev/null', `http://127.0.0.1:${port}${urlPath}`]).flat();
  const args = ['-s', '-w', '%{http_code} %{time_total}\\n'];
  if (header) args.push('-H', header);
  const r = sh('curl', [...args, ...urls]);
  return r.stdout.trim().split('\n').map((l) => { const [c, t] = l.split(' '); return { code: Number(c), ms: Number(t) * 1000 }; });
}

async function statsLatency(n) {
  const [cmd, args] = serverCmd('marsad', n, 1);
  const s = await startServer(`marsad-statslat-${n}`, cmd, args, { pin: 0 });
  const base = `/v1/statistics/${STATS_METRIC}`;
  try {
    const probe = await get(s.port, base);
    if (probe.status === 404 && /no resource at/.test(probe.body)) return { claims: n, status: 'n/a (endpoint missing)' };
    // Then, on one warm connection: 20 computations (distinct targets that select every
    // observation, so no response cache can answer) and 20 repeats of the first target.
    const paths = [...Array.from({ length: 20 }, (_, i) => `${base}?as_of_from=${1900 + i}`), ...Array(20).fill(base)];
    const urls = paths.map((p) => ['-o', '/dev/null', `http://127.0.0.1:${s.port}${p}`]).flat();
    const out = sh('curl', ['-s', '-w', '%{http_code} %{time_total}\\n', ...urls]).stdout.trim().split('\n')
      .map((l) => { const [c, t] = l.split(' '); return { code: Number(c), ms: Number(t) * 1000 }; });
    const med = (a) => { const x = a.map((r) => r.ms).sort((p, q) => p - q); return { median: x[Math.floor(x.length / 2)], max: x[x.length - 1] }; };
    const computed = med(out.slice(0, 20)), repeated = med(out.slice(20));
    let observations = null;
    try { const j = JSON.parse(probe.body); observations = j.data?.summary?.claims ?? j.data?.observations?.length ?? null; } catch { /* not JSON */ }
    const bad = out.filter((r) => r.code !== 200).length;
    return { claims: n, status: probe.status === 200 && !bad ? 'ok' : `error (status ${probe.status}, ${bad} bad)`, metric: STATS_METRIC,
      observations, first_ms: probe.ms, median_ms: computed.median, max_ms: computed.max,
      repeat_median_ms: repeated.median, bytes: Buffer.byteLength(probe.body) };
  } finally { await stopServer(s); }
}

/* From spawn() to the end of the first response of a claim lookup, 5 times. */
async function firstResponse(n, fixedId) {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const [cmd, args] = serverCmd('marsad', n, os.cpus().length);
    const s = await startServer(`marsad-start-${n}-${i}`, cmd, args);
    const r = await get(s.port, `/v1/claims/${fixedId}`);
    times.push({ listen_ms: s.listenMs, first_ms: Number(process.hrtime.bigint() - s.t0) / 1e6, status: r.status });
    await stopServer(s);
  }
  const sorted = [...times].sort((a, b) => a.first_ms - b.first_ms);
  return { claims: n, runs: times, median_ms: sorted[2].first_ms, max_ms: sorted[4].first_ms };
}

// ---- callgrind -----------------------------------------------------------------------------

function callgrindTotal(file) {
  const s = fs.readFileSync(file, 'utf8');
  const m = s.match(/^summary:\s+(\d+)/m) || s.match(/^totals:\s+(\d+)/m);
  return m ? Number(m[1]) : NaN;
}

/* curl over several paths on one connection (claim ids). */
function curlPaths(port, paths, header) {
  const urls = paths.map((p) => ['-o', '/dev/null', `http://127.0.0.1:${port}${p}`]).flat();
  const args = ['-s', '-w', '%{http_code}\\n'];
  if (header) args.push('-H', header);
  return sh('curl', [...args, ...urls]).stdout.trim().split('\n').map(Number);
}

async function callgrindEndpoint(name, n, fixedId, etag) {
  const db = path.join(DATA, `synth-${n}.db`);
  const ids = fs.readFileSync(idsFile(n), 'utf8').trim().split('\n');
  const warm = 10;
  const R = CG_REQUESTS;
  const pathsFor = (count) => {
    if (name === 'claim') return ids.slice(0, count).map((i) => `/v1/claims/${i}`);
    if (name === 'list') return Array(count).fill(`/v1/claims?metric=${LIST_METRIC}&limit=50`);
    if (name === 'not_modified') return Array(count).fill(`/v1/claims/${fixedId}`);
    if (name === 'fixed') return Array(count).fill('/');
    throw new Error(name);
  };
  const header = name === 'not_modified' ? `If-None-Match: ${etag}` : null;
  const expect = name === 'not_modified' ? 304 : 200;
  const isCeiling = name === 'fixed';
  const cmd = isCeiling ? CEILING : MARSAD;
  const args = isCeiling ? ['--port', '0', '--threads', '1']
    : ['serve', '--host', '127.0.0.1', '--port', '0', '--db', db, ...RO_FLAG, '--threads', '1', '--log-level', QUIET ? 'info' : LOG_LEVEL];
  const one = async (count, tag) => {
    const out = path.join(LOGS, `callgrind.${name}.${tag}.out`);
    fs.rmSync(out, { force: true });
    const s = await startServer(`cg-${name}-${tag}`, 'valgrind',
      ['--tool=callgrind', `--callgrind-out-file=${out}`, cmd, ...args], { timeoutMs: 120000 });
    const codes = curlPaths(s.port, pathsFor(count), header);
    await stopServer(s);
    const bad = codes.filter((c) => c !== expect).length;
    if (bad) throw new Error(`${name}: ${bad} of ${count} answers were not ${expect}`);
    return { total: callgrindTotal(out), file: out };
  };
  const base = await one(warm, 'base');
  const run = await one(warm + R, 'run');
  const per = (run.total - base.total) / R;
  // The hottest functions of the measured run, inclusive, for the profile.
  const ann = sh('callgrind_annotate', ['--inclusive=yes', '--threshold=99', run.file], { allowFail: true });
  const annFile = path.join(BUILD, `callgrind-${name}.txt`);
  fs.writeFileSync(annFile, ann.stdout || ann.stderr || '');
  return { endpoint: name, claims: n, requests: R, baseline_ir: base.total, run_ir: run.total,
    ir_per_request: Math.round(per), annotate: path.relative(ROOT, annFile) };
}

// ---- report --------------------------------------------------------------------------------

function find(impl, ep, n, pinned) {
  return results.runs.find((r) => r.impl === impl && r.endpoint === ep && r.claims === n && r.pinned === pinned);
}

function ratios() {
  for (const r of results.runs) {
    if (!r.rps) continue;
    const c = find('ceiling', 'fixed', MAIN_SIZE, r.pinned);
    if (c && c.rps && r.impl !== 'ceiling') r.vs_ceiling = r.rps / c.rps;
    if (c && c.cpu_us_per_request && r.cpu_us_per_request && r.impl !== 'ceiling')
      r.cpu_vs_ceiling = c.cpu_us_per_request / r.cpu_us_per_request;
    const e = find('express', r.endpoint, r.claims, r.pinned);
    if (e && e.rps && r.impl === 'marsad') r.vs_express = r.rps / e.rps;
    if (e && e.cpu_us_per_request && r.cpu_us_per_request && r.impl === 'marsad')
      r.cpu_vs_express = e.cpu_us_per_request / r.cpu_us_per_request;
  }
}

/*
 * Verdicts use the CPU-time basis (server CPU per request, relative): on an idle machine it
 * equals the req/s ratio, and it stays put when other processes take CPU from the server or
 * from wrk, which req/s ratios do not. Both are shown.
 */
function targets() {
  const t = [];
  const add = (name, value, goal, met, note = '') => t.push({ target: name, value, goal, met, note });
  const m = (ep, n = MAIN_SIZE, pinned = true) => find('marsad', ep, n, pinned);
  const claim = m('claim'), list = m('list'), nm = m('not_modified');
  const fx = (v, d = 2) => (v === undefined || v === null || Number.isNaN(v) ? 'n/a' : v.toFixed(d));
  const both = (cpu, rps, d) => `${fx(cpu, d)} (req/s basis ${fx(rps, d)})`;
  const ok = (v, goal) => (v === undefined || v === null || Number.isNaN(v) ? null : v >= goal);
  add('claim by id >= 0.35 x ceiling (1e5, pinned)', both(claim?.cpu_vs_ceiling, claim?.vs_ceiling, 3), '>= 0.35', ok(claim?.cpu_vs_ceiling, 0.35));
  add('claim by id >= 6 x Express (1e5, pinned)', both(claim?.cpu_vs_express, claim?.vs_express, 1), '>= 6', ok(claim?.cpu_vs_express, 6));
  add('50-row list >= 0.03 x ceiling (1e5, pinned)', both(list?.cpu_vs_ceiling, list?.vs_ceiling, 4), '>= 0.03', ok(list?.cpu_vs_ceiling, 0.03));
  add('50-row list >= 2.5 x Express (1e5, pinned)', both(list?.cpu_vs_express, list?.vs_express, 1), '>= 2.5', ok(list?.cpu_vs_express, 2.5));
  add('304 >= 0.70 x ceiling (1e5, pinned)', both(nm?.cpu_vs_ceiling, nm?.vs_ceiling, 3), '>= 0.70', ok(nm?.cpu_vs_ceiling, 0.70));
  const sl = results.stats_latency?.find((x) => x.claims === MAIN_SIZE);
  add(`statistics of a metric with ${sl?.observations ?? 5000} observations < 20 ms (computed on a warm connection, median of 20; first request and cached repeat in brackets)`,
    sl && sl.status === 'ok' ? `${fx(sl.median_ms)} ms (first ${fx(sl.first_ms)} ms, cached ${fx(sl.repeat_median_ms)} ms)` : (sl?.status || 'n/a'), '< 20 ms',
    sl && sl.status === 'ok' ? sl.median_ms < 20 : null);
  for (const ep of ['claim', 'list']) {
    const a = m(ep, SMALL), b = m(ep, LARGE);
    const cpu = a?.cpu_us_per_request && b?.cpu_us_per_request ? a.cpu_us_per_request / b.cpu_us_per_request : NaN;
    const rps = a?.rps && b?.rps ? b.rps / a.rps : NaN;
    const pc = (v) => (Number.isNaN(v) ? 'n/a' : `${(v * 100).toFixed(0)}%`);
    add(`${ep} at ${LARGE} claims keeps >= 80% of its ${SMALL}-claim throughput (pinned)`, `${pc(cpu)} (req/s basis ${pc(rps)})`, '>= 80%', Number.isNaN(cpu) ? null : cpu >= 0.8);
  }
  const anon = results.runs.filter((r) => r.impl === 'marsad' && r.rss_anon_peak_kb);
  const worst = anon.reduce((a, r) => (r.rss_anon_peak_kb > (a?.rss_anon_peak_kb ?? -1) ? r : a), null);
  add('Marsad anonymous memory under load < 16 MB (worst run)', worst ? `${fx(worst.rss_anon_peak_kb / 1024, 1)} MiB (${worst.id})` : 'n/a', '< 16 MiB',
    worst ? worst.rss_anon_peak_kb < 16 * 1024 : null);
  for (const fr of results.first_response || [])
    add(`first response within 100 ms of start (${fr.claims} claims; median of 5, worst in brackets)`, `${fx(fr.median_ms, 1)} ms (${fx(fr.max_ms, 1)} ms)`, '<= 100 ms', fr.median_ms <= 100);
  results.targets = t;
}

function markdown() {
  const L = [];
  const fx = (v, d = 0) => (v === undefined || v === null || Number.isNaN(v) ? '' : v.toFixed(d));
  L.push(`# Marsad benchmark results`, '');
  L.push(`Run ${results.started_at} on ${results.machine.cpus}x ${results.machine.cpu}, ${results.machine.kernel}; ` +
    `wrk ${CONNS} connections, ${SECONDS} s per run after ${WARMUP} s of warm-up; load average before: ${results.machine.load_before.map((x) => x.toFixed(2)).join(' ')}. ` +
    `Took ${fx(results.duration_s)} s.`, '');
  L.push(`Pinned: server on core 0 (Marsad --threads 1, ceiling 1 thread), wrk -t1 on core 1. Unpinned: Marsad and the ceiling with ${os.cpus().length} threads, wrk -t2, no affinity. Express is one Node.js process either way. Marsad runs ${RO_FLAG.length ? 'with --read-only' : 'as deployed by default (writable database, WAL), access log at level ' + LOG_LEVEL + ' to a pipe drained by another process (on the wrk core when pinned)'}. \"server CPU/req\" is the server's user+system time over the run divided by the requests: it is what the ratios would be on an idle machine, and it moves much less than req/s when other processes share the cores.`, '');
  L.push('## Databases', '', '| claims | file size | build time | |', '|---:|---:|---:|---|');
  for (const d of results.databases)
    L.push(`| ${d.claims} | ${fx(d.size_bytes / 1048576, 1)} MiB | ${fx(d.build_seconds, 1)} s | ${d.reused ? 'reused (same generator and schema)' : 'generated in this run'} |`);
  L.push('', '## Throughput and latency', '');
  L.push('| endpoint | server | claims | pinned | req/s | p50 | p99 | server CPU/req | peak RSS (VmHWM) | peak RssAnon | vs ceiling | vs Express | status |');
  L.push('|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of results.runs) {
    L.push(`| ${r.endpoint} \`${r.path}\` | ${r.impl} | ${r.claims} | ${r.pinned ? 'yes' : 'no'} | ${fx(r.rps)} | ${fmtMs(r.p50_ms)} | ${fmtMs(r.p99_ms)} | ${r.cpu_us_per_request ? fx(r.cpu_us_per_request, 1) + ' us' : ''} | ` +
      `${r.vmhwm_kb ? fx(r.vmhwm_kb / 1024, 1) + ' MiB' : ''} | ${r.rss_anon_peak_kb ? fx(r.rss_anon_peak_kb / 1024, 1) + ' MiB' : ''} | ` +
      `${r.vs_ceiling ? fx(r.vs_ceiling, 3) + (r.cpu_vs_ceiling ? ` (cpu ${fx(r.cpu_vs_ceiling, 3)})` : '') : ''} | ` +
      `${r.vs_express ? fx(r.vs_express, 1) + 'x' + (r.cpu_vs_express ? ` (cpu ${fx(r.cpu_vs_express, 1)}x)` : '') : ''} | ${r.status}${r.detail ? ': ' + r.detail.replace(/\|/g, '/').replace(/\n/g, ' ').slice(0, 120) : ''} |`);
  }
  if (results.stats_latency?.length) {
    L.push('', '## Statistics, single requests', '', 'First request on a new server and connection; then 20 computations on one warm connection (distinct targets that select every observation, so no response cache answers them); then 20 repeats of one target (answered from the statistics response cache).', '',
      '| claims | metric | observations | first request | computed: median | computed: max | repeated: median | body | status |', '|---:|---|---:|---:|---:|---:|---:|---:|---|');
    for (const s of results.stats_latency)
      L.push(`| ${s.claims} | ${s.metric || ''} | ${s.observations ?? ''} | ${fmtMs(s.first_ms)} | ${fmtMs(s.median_ms)} | ${fmtMs(s.max_ms)} | ${fmtMs(s.repeat_median_ms)} | ${s.bytes ? fx(s.bytes / 1024, 1) + ' KiB' : ''} | ${s.status} |`);
  }
  if (results.first_response?.length) {
    L.push('', '## Start-up: spawn to first claim response (5 starts)', '', '| claims | median | worst | listening after (median) |', '|---:|---:|---:|---:|');
    for (const f of results.first_response) {
      const l = f.runs.map((x) => x.listen_ms).sort((a, b) => a - b);
      L.push(`| ${f.claims} | ${fx(f.median_ms, 1)} ms | ${fx(f.max_ms, 1)} ms | ${fx(l[2], 1)} ms |`);
    }
  }
  if (results.callgrind?.length) {
    L.push('', `## Instructions per request (callgrind, ${CG_REQUESTS} requests minus a ${10}-request baseline)`, '', '| endpoint | server | claims | Ir per request | profile |', '|---|---|---:|---:|---|');
    for (const c of results.callgrind)
      L.push(`| ${c.endpoint} | ${c.endpoint === 'fixed' ? 'ceiling' : 'marsad'} | ${c.claims} | ${c.ir_per_request ? c.ir_per_request.toLocaleString('en-US') : c.error} | ${c.annotate || ''} |`);
  }
  if (results.targets?.length) {
    L.push('', '## Targets', '', '| target | measured | goal | met |', '|---|---|---|---|');
    for (const t of results.targets) L.push(`| ${t.target} | ${t.value} | ${t.goal} | ${t.met === null || t.met === undefined ? 'n/a' : t.met ? 'yes' : '**no**'} |`);
  }
  if (results.notes.length) L.push('', '## Notes', '', ...results.notes.map((n) => `- ${n}`));
  return L.join('\n') + '\n';
}

// ---- main ----------------------------------------------------------------------------------

async function main() {
  const t0 = Date.now();
  results.started_at = new Date().toISOString();
  results.machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model?.trim(), kernel: `${os.type()} ${os.release()}`,
    load_before: os.loadavg(), node: process.version, wrk: sh('wrk', ['-v'], { allowFail: true }).stdout.split('\n')[0] };
  results.settings = { seconds: SECONDS, warmup: WARMUP, connections: CONNS, sizes: SIZES, log_level: LOG_LEVEL, read_only: RO_FLAG.length > 0 };
  for (const f of [MARSAD, CEILING]) if (!fs.existsSync(f)) throw new Error(`${f} is missing: run make bench`);
  if (os.loadavg()[0] > 0.5)
    results.notes.push(`The machine was not idle when the run started (load average ${os.loadavg()[0].toFixed(2)}): other processes compete for the two cores, so absolute numbers are low and noisy; the ratios within one run are the fairer reading.`);

  for (const n of SIZES) results.databases.push(ensureDb(n));
  const fixedIdOf = (n) => fs.readFileSync(idsFile(n), 'utf8').split('\n')[0];

  if (!CALLGRIND_ONLY) {
    for (const pinned of [true, false]) {
      log(`== ${MAIN_SIZE} claims, ${pinned ? 'pinned' : 'unpinned'}`);
      const ctx = { fixedId: fixedIdOf(MAIN_SIZE) };
      await measure('ceiling', 'fixed', MAIN_SIZE, pinned, ctx);
      for (const ep of ['claim', 'list', 'statistics', 'search', 'not_modified', 'sources'])
        await measure('marsad', ep, MAIN_SIZE, pinned, ctx);
      for (const ep of ['claim', 'list']) await measure('express', ep, MAIN_SIZE, pinned, ctx);
    }
    for (const n of SIZES.filter((x) => x !== MAIN_SIZE)) {
      log(`== ${n} claims, pinned`);
      const ctx = { fixedId: fixedIdOf(n) };
      for (const ep of ['claim', 'list']) await measure('marsad', ep, n, true, ctx);
    }
    log('== statistics, single requests');
    results.stats_latency = [];
    for (const n of SIZES.filter((x) => x >= MAIN_SIZE)) {
      try { results.stats_latency.push(await statsLatency(n)); } catch (e) { results.stats_latency.push({ claims: n, status: `error: ${e.message}` }); }
      const s = results.stats_latency.at(-1);
      log(`  ${n}: ${s.status} first ${fmtMs(s.first_ms)}, computed median ${fmtMs(s.median_ms)} max ${fmtMs(s.max_ms)}, cached ${fmtMs(s.repeat_median_ms)}`);
    }
    log('== start-up');
    results.first_response = [];
    for (const n of [MAIN_SIZE, LARGE].filter((x, i, a) => a.indexOf(x) === i)) {
      results.first_response.push(await firstResponse(n, fixedIdOf(n)));
      const f = results.first_response.at(-1);
      log(`  ${n}: median ${f.median_ms.toFixed(1)} ms, worst ${f.max_ms.toFixed(1)} ms`);
    }
  }
  if (CALLGRIND_ONLY || process.env.BENCH_SKIP_CALLGRIND !== '1') {
    log('== callgrind');
    results.callgrind = [];
    const n = MAIN_SIZE;
    const fixedId = fixedIdOf(n);
    const [cmd, args] = serverCmd('marsad', n, 1);
    const s = await startServer('etag-probe', cmd, args);
    const etag = (await get(s.port, `/v1/claims/${fixedId}`, { Accept: '*/*' })).headers.etag; // as curl sends
    await stopServer(s);
    for (const ep of ['fixed', 'claim', 'list', 'not_modified']) {
      try { results.callgrind.push(await callgrindEndpoint(ep, n, fixedId, etag)); } catch (e) { results.callgrind.push({ endpoint: ep, claims: n, error: String(e.message).slice(0, 200) }); }
      const c = results.callgrind.at(-1);
      log(`  ${ep}: ${c.ir_per_request ? c.ir_per_request.toLocaleString('en-US') + ' Ir/request' : c.error}`);
    }
  }
  ratios();
  if (!CALLGRIND_ONLY) targets();
  results.duration_s = (Date.now() - t0) / 1000;
  const base = CALLGRIND_ONLY ? 'callgrind' : 'results';
  fs.writeFileSync(path.join(BUILD, `${base}.json`), JSON.stringify(results, null, 2) + '\n');
  fs.writeFileSync(path.join(BUILD, `${base}.md`), markdown());
  log('');
  log(markdown());
  log(`wrote ${path.relative(ROOT, path.join(BUILD, base + '.md'))} and .json in ${results.duration_s.toFixed(0)} s`);
}

/* --report: rewrite results.md from results.json (after changing the report only). */
function reportOnly() {
  Object.assign(results, JSON.parse(fs.readFileSync(path.join(BUILD, 'results.json'), 'utf8')));
  ratios();
  targets();
  fs.writeFileSync(path.join(BUILD, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  fs.writeFileSync(path.join(BUILD, 'results.md'), markdown());
  log(markdown());
}

if (process.argv.includes('--report')) reportOnly();
else main().catch((e) => { console.error(`bench: ${e.stack || e}`); process.exit(1); });
