// Browser test: /docs renders the contract with the embedded Redoc, offline.
//
// Headless Debian chromium driven by playwright-core (no browser download). The page
// must render one section per operation of the spec, show "/v1/claims", raise no page
// error and no console error, and no request may leave the server under test.
//
// Redoc 2.5.4 hard-codes one image, the "API docs by Redocly" logo on cdn.redoc.ly; the
// vendored copy has it inlined (scripts/vendor-docs.sh), so the page asks no CDN and its
// Content-Security-Policy blocks nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { BASE, operations } from './lib.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

test('/docs renders every operation with the embedded Redoc, offline, under its CSP', async () => {
  const origin = new URL(BASE).origin;
  const profile = mkdtempSync(path.join(tmpdir(), 'marsad-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
  });
  try {
    const networked = []; // requests that reached the network layer
    const attempted = []; // every request the page made, blocked or not
    const blocked = []; // requests that failed, with the reason
    const problems = []; // page errors and console errors
    await context.route('**/*', (route) => {
      const url = route.request().url();
      networked.push(url);
      if (new URL(url).origin !== origin) return route.abort('blockedbyclient');
      return route.continue();
    });
    const page = context.pages()[0] || (await context.newPage());
    page.on('request', (r) => attempted.push(r.url()));
    page.on('requestfailed', (r) => blocked.push(`${r.url()} ${r.failure()?.errorText}`));
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });

    const res = await page.goto(`${BASE}/docs`, { waitUntil: 'load' });
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-security-policy'], /script-src 'self'/);

    const ops = operations();
    const sections = page.locator('[data-section-id^="operation/"]');
    await sections.first().waitFor({ timeout: 60000 });
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-section-id^="operation/"]').length >= n,
      ops.length,
      { timeout: 60000 },
    );
    const n = await sections.count();
    assert.ok(n >= ops.length, `${n} operations rendered, the spec has ${ops.length}`);
    const headings = await page.locator('[data-section-id^="operation/"] h2').count();
    assert.ok(headings >= ops.length, `${headings} operation headings`);
    const text = await page.locator('redoc, #redoc, body').first().innerText();
    assert.ok(text.includes('/v1/claims'), 'the page does not show /v1/claims');
    assert.ok(text.includes('Marsad API'), 'the page does not show the title');
    // Every operation's summary is on the page.
    for (const o of ops) assert.ok(text.includes(o.op.summary), `not rendered: ${o.key} (${o.op.summary})`);
    if (process.env.MARSAD_DOCS_SCREENSHOT) await page.screenshot({ path: process.env.MARSAD_DOCS_SCREENSHOT });
    await page.waitForTimeout(500);

    const offNetwork = networked.filter((u) => new URL(u).origin !== origin);
    assert.deepEqual(offNetwork, [], 'requests that went for the network outside the server');
    const foreign = attempted.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith(`blob:${origin}/`) && !u.startsWith('data:'));
    assert.deepEqual(foreign, [], `requests outside ${origin}`);
    assert.deepEqual(blocked, [], 'requests that failed');
    assert.deepEqual(problems, [], 'errors on the page');
    assert.ok(attempted.includes(`${origin}/docs/redoc.standalone.js`));
    assert.ok(attempted.includes(`${origin}/openapi.json`));
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
