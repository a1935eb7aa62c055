// Browser test of the explorer at /: every view renders with data from the live server, in
// headless Debian chromium (playwright-core), offline, under the page's CSP, with no console
// error and no serious or critical axe-core violation. Screenshots of each view go to
// MARSAD_SCREENSHOTS (make contract: <build>/explorer-screenshots), the CI artefact folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { BASE } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = process.env.MARSAD_SCREENSHOTS || path.join(tmpdir(), 'marsad-explorer-screenshots');
mkdirSync(SHOTS, { recursive: true });
const origin = new URL(BASE).origin;

async function getJson(target) {
  const r = await fetch(`${BASE}${target}`);
  assert.equal(r.status, 200, target);
  return r.json();
}

let context, profile;
const problems = [];
const offsite = [];
before(async () => {
  profile = mkdtempSync(path.join(tmpdir(), 'marsad-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1200, height: 900 } });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin !== origin && !url.startsWith('data:')) {
      offsite.push(url);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
});
after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** Opens a view, waits for it to finish, checks errors and axe, saves a screenshot. */
async function open(hash, shot, { width = 1200 } = {}) {
  const page = await context.newPage();
  await page.setViewportSize({ width, height: 900 });
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  const res = await page.goto(`${BASE}/${hash}`, { waitUntil: 'load' });
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-security-policy'], /style-src 'self';/);
  await page.waitForFunction(() => !document.querySelector('#main .loading') && !document.querySelector('#main[aria-busy]'), null, { timeout: 30000 });
  // axe is evaluated through the test's own channel (the page's CSP refuses inline script).
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`), [], `axe on ${hash}`);
  await page.screenshot({ path: path.join(SHOTS, `${shot}.png`), fullPage: true });
  const unexpected = errors.filter((e) => !e.includes('axe'));
  page.problems = unexpected;
  return page;
}
function done(page) {
  assert.deepEqual(page.problems, [], 'errors on the page');
  problems.push(...page.problems);
  return page.close();
}

test('home shows the counts and the most disputed figures', async () => {
  const page = await open('', 'home');
  const total = (await fetch(`${BASE}/v1/claims?limit=1`)).headers.get('x-total-count');
  const tiles = await page.locator('.tiles').innerText();
  assert.ok(tiles.includes(new Intl.NumberFormat('en').format(Number(total))), `claims total ${total} not on the page: ${tiles}`);
  const stats = await getJson('/v1/statistics?limit=1000');
  assert.equal(await page.locator('a[href^="#/metric/"]').count(), stats.data.length);
  await done(page);
});

test('metric view: one mark per figure, vague and undated ones listed, conflicts below', async () => {
  const stats = await getJson('/v1/statistics?limit=1000');
  // The metric with a disagreement and the most claims, and the departed fighters.
  const metrics = [...stats.data].sort((a, b) => b.summary.disagreements - a.summary.disagreements || b.summary.claims - a.summary.claims);
  const chosen = [metrics[0].id, 'foreign_fighters_departed'].filter((v, i, a) => a.indexOf(v) === i && stats.data.some((m) => m.id === v && m.value_type === 'number'));
  for (const id of chosen) {
    const d = (await getJson(`/v1/statistics/${id}?limit=1000`)).data;
    const obs = d.observations;
    const plottable = obs.filter((o) => o.window && o.bound !== 'vague' && typeof (o.value ?? o.lower ?? o.upper) === 'number');
    const page = await open(`#/metric/${id}`, id === 'foreign_fighters_departed' ? 'metric' : `metric-${id}`);
    const marks = page.locator('svg g.figure > *');
    assert.equal(await marks.count(), plottable.length, `${id}: marks`);
    const markClaims = (await marks.evaluateAll((els) => els.map((e) => e.dataset.claim))).sort();
    assert.deepEqual(markClaims, plottable.map((o) => o.claim).sort());
    assert.equal(await page.locator('.unplotted li').count(), obs.length - plottable.length);
    // Open ends are arrows, one per open interval end the figure's bound states.
    const openEnds = plottable.filter((o) => ['at_least', 'more_than', 'up_to', 'less_than'].includes(o.bound)).length;
    assert.equal(await page.locator('svg g.open-up > *, svg g.open-down > *').count(), openEnds, `${id}: arrows`);
    assert.equal(await page.locator('table').first().locator('tbody tr').count(), obs.length);
    if (d.disagreements.length) assert.ok((await page.locator('svg g.in-conflict > *').count()) > 0);
    // Hovering a mark shows its words, claimant and source.
    if (plottable.length) {
      await marks.first().hover({ force: true });
      const firstClaim = await marks.first().getAttribute('data-claim');
      const o = obs.find((x) => x.claim === firstClaim);
      const detail = await page.locator('.detail').innerText();
      assert.ok(detail.includes(o.quote.replace(/\s+/g, ' ').slice(0, 20)) || detail.replace(/\s+/g, ' ').includes(o.quote.replace(/\s+/g, ' ').slice(0, 20)), `hover: ${detail}`);
      assert.ok(detail.includes(o.claimant));
    }
    await done(page);
  }
});

test('metric view at phone width', async () => {
  const page = await open('#/metric/foreign_fighters_departed', 'metric-phone', { width: 390 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than the phone`);
  await done(page);
});

test('conflict view shows both sides with their passages', async () => {
  const c = (await getJson('/v1/conflicts?limit=1')).data[0];
  const page = await open(`#/conflict/${c.a.claim}/${c.b.claim}`, 'conflict');
  const sides = page.locator('.side');
  assert.equal(await sides.count(), 2);
  const marks = await page.locator('.side mark').allInnerTexts();
  assert.deepEqual(marks.map((m) => m.replace(/\s+/g, ' ')), [c.a.quote, c.b.quote].map((q) => q.replace(/\s+/g, ' ')));
  assert.ok((await page.locator('main').innerText()).includes(c.reason.slice(0, 30)));
  await done(page);
});

test('claim view: statement, passage, interpretation, revisions', async () => {
  const c = (await getJson('/v1/claims/berman-004')).data;
  const page = await open('#/claim/berman-004', 'claim');
  assert.equal(await page.locator('h1').innerText(), c.statement);
  assert.equal((await page.locator('blockquote mark').innerText()).replace(/\s+/g, ' '), c.quote.replace(/\s+/g, ' '));
  await done(page);
});

test('source reader marks exactly the claims\' offsets; a click opens the claim', async () => {
  const id = 'berman-2019-returnees';
  const claims = (await getJson(`/v1/sources/${id}/claims?limit=1000`)).data;
  const page = await open(`#/source/${id}`, 'source');
  const pieces = await page.locator('.reader .passage').evaluateAll((els) => els.map((e) => ({ claims: e.dataset.claims.split(' '), start: Number(e.dataset.start), end: Number(e.dataset.end), text: e.textContent })));
  const readerText = await page.locator('.reader').evaluate((e) => e.textContent);
  const stored = await (await fetch(`${BASE}/v1/sources/${id}/text`)).text();
  assert.equal(readerText, stored, 'the reader shows the stored text unchanged');
  for (const c of claims) {
    const mine = pieces.filter((p) => p.claims.includes(c.id)).sort((a, b) => a.start - b.start);
    assert.ok(mine.length, `${c.id} is not marked`);
    assert.equal(mine[0].start, c.quote_start, c.id);
    assert.equal(mine[mine.length - 1].end, c.quote_end, c.id);
    for (let i = 1; i < mine.length; i++) assert.equal(mine[i].start, mine[i - 1].end, `${c.id}: a gap`);
    assert.equal(mine.map((p) => p.text).join(''), c.quote, `${c.id}: marked text is the quote`);
  }
  // Nothing else is marked.
  const covered = pieces.every((p) => p.claims.every((cid) => claims.some((c) => c.id === cid && c.quote_start <= p.start && c.quote_end >= p.end)));
  assert.ok(covered);
  const first = page.locator('.reader .passage').first();
  const target = await first.getAttribute('href');
  await first.click();
  await page.waitForFunction((h) => location.hash === h && document.querySelector('main h1') && !document.querySelector('#main[aria-busy]'), target);
  assert.match(page.url(), /#\/claim\//);
  await done(page);
});

test('program and entity views', async () => {
  const p = (await getJson('/v1/programs/musalaha')).data;
  let page = await open('#/program/musalaha', 'program');
  assert.equal(await page.locator('section.attribute').count(), p.attributes.length);
  await done(page);
  const e = (await getJson('/v1/entities/international-crisis-group')).data;
  page = await open('#/entity/international-crisis-group', 'entity');
  assert.equal(await page.locator('h1').innerText(), e.name);
  await done(page);
});

test('claims browser: a filter change updates the URL and the results', async () => {
  const page = await open('#/claims', 'claims');
  const all = Number((await fetch(`${BASE}/v1/claims?limit=1`)).headers.get('x-total-count'));
  assert.match(await page.locator('.count').innerText(), new RegExp(`of ${all}$`));
  await page.selectOption('#f-kind', 'statistic');
  await page.waitForFunction(() => location.hash.includes('kind=statistic'));
  const want = Number((await fetch(`${BASE}/v1/claims?kind=statistic&limit=1`)).headers.get('x-total-count'));
  await page.waitForFunction((n) => document.querySelector('.count')?.textContent.endsWith(`of ${n}`), want);
  assert.equal(await page.locator('.results tbody tr').count(), Math.min(50, want));
  assert.equal(await page.locator('a', { hasText: 'CSV' }).getAttribute('href'), '/v1/claims.csv?kind=statistic');
  // Facet counts are the API's totals.
  const facet = await page.locator('.facet').first().innerText();
  assert.ok(facet.includes(`statistic ${want}`), facet);
  await page.screenshot({ path: path.join(SHOTS, 'claims-filtered.png'), fullPage: true });
  await done(page);
});

test('nothing left the server', () => {
  assert.deepEqual(offsite, []);
  assert.deepEqual(problems, []);
});
