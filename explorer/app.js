// The Marsad explorer: a client of the public /v1 API, nothing else.
//
// Views are URL fragments (#/metric/ID, #/claims?kind=statistic, ...), so every view can be
// linked and reloaded. The page is built with DOM calls only: data reaches it as text nodes
// and attribute values, never as HTML. Charts are Observable Plot (explorer/vendor/); Plot's
// own <style> elements are removed before a chart is attached (the page's CSP allows no
// inline style) and their rules live in app.css.
'use strict';
(() => {
  /* ---- DOM ---------------------------------------------------------------- */

  /** h('a', {href: '#/'}, 'text', child, [more]) — attributes as attributes, children as nodes. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    add(el, children);
    return el;
  }
  function add(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }
  const link = (href, ...children) => h('a', { href }, ...children);
  const hashFor = (parts, params) => {
    const p = parts.map(encodeURIComponent).join('/');
    const q = params && [...params].length ? `?${params}` : '';
    return `#/${p}${q}`;
  };
  const claimHref = (id) => hashFor(['claim', id]);
  const sourceHref = (id, claim) => hashFor(['source', id], claim ? new URLSearchParams({ claim }) : null);
  const metricHref = (id) => hashFor(['metric', id]);
  const entityHref = (id) => hashFor(['entity', id]);
  const programHref = (id) => hashFor(['program', id]);
  const conflictHref = (a, b) => hashFor(['conflict', a, b]);

  /** A table in a focusable, labelled scroll region (narrow screens scroll it sideways). */
  function table(label, head, rows) {
    return h(
      'div',
      { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: '0' },
      h(
        'table',
        {},
        h('caption', { class: 'visually-hidden' }, label),
        h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))),
      ),
    );
  }
  function dl(pairs) {
    return h(
      'dl',
      { class: 'facts' },
      pairs.filter(([, v]) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && !v.length)).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    );
  }
  /** The quote in its surrounding text, the quote marked. */
  function inContext(ctx, quote) {
    if (!ctx) return h('blockquote', { class: 'quote' }, quote);
    return h('blockquote', { class: 'quote context' }, ctx.before ? `…${ctx.before}` : '', h('mark', {}, ctx.quote ?? quote), ctx.after ? `${ctx.after}…` : '');
  }
  /** Search snippets carry <mark> around matches: parsed inert, only text and <mark> kept. */
  function snippet(html) {
    const out = h('span', { class: 'snippet' });
    const doc = new DOMParser().parseFromString(`<body>${html}`, 'text/html');
    const walk = (node, into) => {
      for (const n of node.childNodes) {
        if (n.nodeType === Node.TEXT_NODE) into.append(document.createTextNode(n.data));
        else if (n.nodeType === Node.ELEMENT_NODE) {
          if (n.tagName === 'MARK') walk(n, into.appendChild(document.createElement('mark')));
          else walk(n, into);
        }
      }
    };
    walk(doc.body, out);
    return out;
  }

  /* ---- the API ------------------------------------------------------------- */

  class ApiError extends Error {
    constructor(status, detail, target) {
      super(`${target}: ${status} ${detail}`);
      this.status = status;
      this.detail = detail;
      this.target = target;
    }
  }
  const memo = new Map();
  async function fetchJson(target) {
    const r = await fetch(target, { headers: { Accept: 'application/json' } });
    if (!r.ok) {
      let detail = r.statusText;
      try {
        const p = await r.json();
        detail = p.detail || detail;
        if (Array.isArray(p.errors) && p.errors.length) detail += ` (${p.errors.map((e) => e.detail || e.parameter).join('; ')})`;
      } catch {
        /* not a problem body */
      }
      throw new ApiError(r.status, detail, target);
    }
    return { json: await r.json(), total: Number(r.headers.get('X-Total-Count') ?? NaN) };
  }
  /** GET once per page load (the base changes rarely; reload for a fresh view). */
  function api(target) {
    if (!memo.has(target)) {
      const p = fetchJson(target);
      p.catch(() => memo.delete(target));
      memo.set(target, p);
    }
    return memo.get(target);
  }
  /** null when the server does not have it (a resource of a newer API, or a 404). */
  async function apiOptional(target) {
    try {
      return await api(target);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 400)) return null;
      throw e;
    }
  }
  /** Every item of a list, following links.next. */
  async function apiAll(target) {
    let next = target;
    const items = [];
    for (let i = 0; next && i < 50; i++) {
      const { json } = await api(next);
      items.push(...(json.data || []));
      next = json.links && json.links.next;
    }
    return items;
  }
  async function text(target) {
    const r = await fetch(target, { headers: { Accept: 'text/plain' } });
    if (!r.ok) throw new ApiError(r.status, r.statusText, target);
    return r.text();
  }
  let sourcesPromise;
  async function sourcesById() {
    sourcesPromise ||= apiAll('/v1/sources?limit=1000').then((all) => new Map(all.map((s) => [s.id, s])));
    return sourcesPromise;
  }

  /* ---- formatting ---------------------------------------------------------- */

  const nf = new Intl.NumberFormat('en');
  const num = (v) => (typeof v === 'number' ? nf.format(v) : v);
  const BOUND_WORDS = { approx: 'about', almost: 'almost', at_least: 'at least', more_than: 'more than', up_to: 'up to', less_than: 'less than' };
  /** The figure as the claim states it: bound, number(s), unit; a vague figure stays words. */
  function figure(o) {
    if (!o) return '';
    const unit = o.unit && o.unit !== 'date' ? ` ${o.unit}` : '';
    if (o.bound === 'vague') return `${o.vague_term || 'vague'} (no number)`;
    if (o.bound === 'range') return `${num(o.lower)}–${num(o.upper)}${unit}`;
    const v = o.value ?? o.value_date ?? o.lower ?? o.upper;
    if (v === null || v === undefined) return o.value_text || '';
    const w = BOUND_WORDS[o.bound];
    return `${w ? `${w} ` : ''}${num(v)}${unit}`;
  }
  function intervalText(iv) {
    if (!iv) return '';
    const lo = iv.lo === null ? '−∞' : num(iv.lo);
    const hi = iv.hi === null ? '∞' : num(iv.hi);
    return `${iv.lo_open || iv.lo === null ? '(' : '['}${lo}, ${hi}${iv.hi_open || iv.hi === null ? ')' : ']'}`;
  }
  const when = (o) => o.as_of || (o.period_start ? `${o.period_start}–${o.period_end || ''}` : 'undated');

  /* ---- views --------------------------------------------------------------- */

  const views = {};

  views.home = async () => {
    const count = (t) => api(t).then((r) => r.total, () => null);
    const [sources, claims, metrics, conflicts, programs, entities, stats, srcMap] = await Promise.all([
      count('/v1/sources?limit=1'),
      count('/v1/claims?limit=1&fields=id'),
      count('/v1/statistics?limit=1'),
      count('/v1/conflicts?limit=1'),
      count('/v1/programs?limit=1'),
      count('/v1/entities?limit=1'),
      apiAll('/v1/statistics?limit=1000'),
      sourcesById(),
    ]);
    const tile = (n, label, href) => h('li', {}, link(href, h('strong', {}, n === null ? '–' : num(n)), ' ', label));
    const disputed = [...stats].sort((a, b) => (b.summary?.disagreements || 0) - (a.summary?.disagreements || 0) || (b.summary?.claims || 0) - (a.summary?.claims || 0));
    const docs = [...srcMap.values()].filter((s) => s.has_text);
    return [
      h('h1', {}, 'What the base holds'),
      h('ul', { class: 'tiles' }, tile(sources, 'sources', '#/claims'), tile(claims, 'claims', '#/claims'), tile(metrics, 'metrics', '#/'), tile(conflicts, 'conflicts', '#/conflicts'), tile(programs, 'programs', '#/programs'), tile(entities, 'entities', '#/claims')),
      h('h2', {}, 'Most disputed figures'),
      table(
        'Metrics by number of disagreements',
        ['Metric', 'Disagreements', 'Claims', 'Sources', 'Lowest', 'Highest'],
        disputed.map((m) => [
          link(metricHref(m.id), m.label || m.id),
          String(m.summary?.disagreements ?? 0),
          String(m.summary?.claims ?? 0),
          String(m.summary?.sources ?? 0),
          m.summary?.min === null || m.summary?.min === undefined ? '–' : `${m.summary.min_open ? '>' : ''}${num(m.summary.min)}`,
          m.summary?.max_unbounded ? 'no upper bound' : m.summary?.max === null || m.summary?.max === undefined ? '–' : `${num(m.summary.max)}`,
        ]),
      ),
      h('p', { class: 'note' }, 'Lowest and highest are the ends of the intervals the rules use, not figures anyone reported; each metric page shows the figures as written.'),
      h('h2', {}, 'Documents'),
      h('ul', {}, docs.map((s) => h('li', {}, link(sourceHref(s.id), s.title), ` (${s.published || 'undated'}, ${s.claim_count} claims)`))),
    ];
  };

  views.programs = async () => {
    const all = await apiAll('/v1/programs?limit=1000');
    return [h('h1', {}, 'Programs, policies, laws and institutions'), h('ul', {}, all.map((p) => h('li', {}, link(programHref(p.id), p.name), ` (${p.claim_count} claims)`)))];
  };

  /* The series of a metric: the API's series when it has them, else one of all observations. */
  function seriesOf(d) {
    if (Array.isArray(d.series) && d.series.length && d.series.some((s) => Array.isArray(s.observations)))
      return d.series.map((s, i) => ({ ...s, label: s.label || [s.place, s.subject, s.counting_basis].filter(Boolean).join(' · ') || `series ${i + 1}` }));
    return [{ label: null, observations: d.observations || [], disagreements: d.disagreements || [] }];
  }

  const PALETTE = ['#1f77b4', '#d95f02', '#1b9e77', '#7570b3', '#a6761d', '#e7298a', '#4a4a4a', '#66a61e', '#b8860b', '#17becf'];

  /** What the chart can place: a dated figure with a number. */
  const plottable = (o) => o.window && o.window.start && o.window.end && o.bound !== 'vague' && (o.value ?? o.lower ?? o.upper) !== null && (o.value ?? o.lower ?? o.upper) !== undefined && typeof (o.value ?? o.lower ?? o.upper) === 'number';

  function chart(series, unit, colour, conflicted, onPick) {
    const pts = series.observations.filter(plottable).map((o) => {
      const start = new Date(`${o.window.start}T00:00:00Z`);
      const end = new Date(`${o.window.end}T23:59:59Z`);
      const anchor = o.bound === 'up_to' || o.bound === 'less_than' ? o.upper ?? o.value : o.bound === 'at_least' || o.bound === 'more_than' ? o.lower ?? o.value : o.value;
      return { o, start, end, mid: new Date((start.getTime() + end.getTime()) / 2), anchor, source: o.source };
    });
    const points = pts.filter((p) => p.o.bound !== 'range');
    const ranges = pts.filter((p) => p.o.bound === 'range');
    const boxes = pts.filter((p) => p.o.interval && p.o.interval.lo !== null && p.o.interval.hi !== null && p.o.interval.hi > p.o.interval.lo);
    const up = points.filter((p) => p.o.bound === 'at_least' || p.o.bound === 'more_than');
    const down = points.filter((p) => p.o.bound === 'up_to' || p.o.bound === 'less_than');
    const hollow = (p) => p.o.bound === 'more_than' || p.o.bound === 'less_than';
    const ring = pts.filter((p) => conflicted.has(p.o.claim));
    const width = Math.max(300, Math.min(960, document.getElementById('main').clientWidth - 8));
    const svg = Plot.plot({
      className: 'mplot',
      width,
      height: width < 500 ? 300 : 380,
      marginTop: 40,
      marginLeft: 56,
      ariaLabel: `Figures of ${series.label || 'the metric'} over time`,
      x: { type: 'utc', label: 'as of', grid: true },
      y: { label: unit || null, grid: true, tickFormat: (v) => nf.format(v) },
      marks: [
        Plot.rect(boxes, { x1: 'start', x2: 'end', y1: (p) => p.o.interval.lo, y2: (p) => p.o.interval.hi, fill: (p) => colour(p.source), fillOpacity: 0.12, className: 'interval' }),
        Plot.ruleY(pts.filter((p) => p.o.bound !== 'range'), { x1: 'start', x2: 'end', y: 'anchor', stroke: (p) => colour(p.source), strokeWidth: 2, strokeOpacity: 0.6, className: 'window' }),
        Plot.vector(up, { x: 'mid', y: 'anchor', rotate: 0, length: 26, anchor: 'start', shape: 'arrow', stroke: (p) => colour(p.source), strokeWidth: 2, className: 'open-up' }),
        Plot.vector(down, { x: 'mid', y: 'anchor', rotate: 180, length: 26, anchor: 'start', shape: 'arrow', stroke: (p) => colour(p.source), strokeWidth: 2, className: 'open-down' }),
        Plot.dot(ring, { x: 'mid', y: (p) => p.anchor ?? (p.o.lower + p.o.upper) / 2, r: 10, stroke: '#c00000', strokeWidth: 2.5, fill: 'none', className: 'in-conflict' }),
        Plot.ruleX(ranges, { x: 'mid', y1: (p) => p.o.lower, y2: (p) => p.o.upper, stroke: (p) => colour(p.source), strokeWidth: 5, className: 'figure figure-range' }),
        Plot.dot(points, { x: 'mid', y: 'anchor', r: 5, stroke: (p) => colour(p.source), strokeWidth: 2, fill: (p) => (hollow(p) ? 'white' : colour(p.source)), className: 'figure figure-point' }),
      ],
    });
    svg.querySelectorAll('style').forEach((s) => s.remove());
    // Plot labels each mark's <g>; a label needs a role to be announced.
    svg.querySelectorAll('g[aria-label]').forEach((g) => g.setAttribute('role', 'group'));
    const GROUPS = { figure: 'figures', interval: 'intervals the rules use', window: 'as-of windows', 'open-up': 'open upper ends', 'open-down': 'open lower ends', 'in-conflict': 'figures in conflict' };
    for (const [cls, label] of Object.entries(GROUPS)) svg.querySelectorAll(`g.${cls}`).forEach((g) => g.setAttribute('aria-label', label));
    // One focusable mark per figure: hover or focus shows it, Enter or a click opens the claim.
    const groups = svg.querySelectorAll('g.figure');
    groups.forEach((g) => {
      const data = g.classList.contains('figure-range') ? ranges : points;
      for (const el of g.children) {
        const p = data[el.__data__];
        if (!p) continue;
        el.setAttribute('tabindex', '0');
        el.setAttribute('role', 'link');
        el.setAttribute('aria-label', `${figure(p.o)}, as of ${when(p.o)}, ${p.o.claimant || 'no claimant'} (${p.o.claim})`);
        el.dataset.claim = p.o.claim;
        el.classList.add('mark');
        el.addEventListener('pointerenter', () => onPick(p.o, false));
        el.addEventListener('focus', () => onPick(p.o, false));
        el.addEventListener('click', () => onPick(p.o, true));
        el.addEventListener('keydown', (e) => {
          if (e.key === 'Enter') onPick(p.o, true);
        });
      }
    });
    return { svg, plotted: pts.length };
  }

  views.metric = async ([id]) => {
    const [firstPage, conflicts, srcMap] = await Promise.all([
      api(`/v1/statistics/${encodeURIComponent(id)}?limit=1000`),
      apiAll(`/v1/conflicts?metric=${encodeURIComponent(id)}&limit=1000`),
      sourcesById(),
    ]);
    const d = firstPage.json.data;
    // Every page of observations.
    let next = d.links && d.links.next;
    while (next) {
      const more = (await api(next)).json.data;
      d.observations.push(...more.observations);
      next = more.links && more.links.next;
    }
    const title = (sid) => srcMap.get(sid)?.title || sid;
    const allObs = seriesOf(d).flatMap((s) => s.observations);
    const sourceIds = [...new Set(allObs.map((o) => o.source))].sort();
    const colourOf = new Map(sourceIds.map((s, i) => [s, PALETTE[i % PALETTE.length]]));
    const colour = (s) => colourOf.get(s) || '#555';
    const out = [h('h1', {}, d.label || d.id), h('p', { class: 'lead' }, d.definition || ''), dl([['Unit', d.unit], ['Counting basis', d.counting_basis], ['Claims', link(`#/claims?metric=${encodeURIComponent(d.id)}`, `${allObs.length} observations`)]])];

    const detail = h('div', { class: 'detail', 'aria-live': 'polite' }, h('p', { class: 'note' }, 'Point at or tab to a figure to see its words, its claimant and its source; Enter opens the claim.'));
    const pick = (o, open) => {
      if (open) {
        location.hash = claimHref(o.claim);
        return;
      }
      detail.replaceChildren(
        h('p', {}, h('strong', {}, figure(o)), ` as of ${when(o)} · interval the rules use ${intervalText(o.interval)}`),
        h('blockquote', { class: 'quote' }, o.quote),
        h('p', {}, 'Claimant: ', o.claimant || '–', ' · Source: ', link(sourceHref(o.source, o.claim), title(o.source)), ' · ', link(claimHref(o.claim), `claim ${o.claim}`)),
      );
    };
    for (const s of seriesOf(d)) {
      const conflicted = new Set((s.disagreements || []).flatMap((x) => [x.a, x.b]).concat(conflicts.flatMap((c) => [c.a?.claim, c.b?.claim])));
      if (s.label) out.push(h('h2', {}, s.label));
      const section = h('section', { class: 'chart', 'aria-label': `Chart: ${s.label || d.label || d.id}` });
      if (d.value_type === 'date') {
        section.append(h('p', { class: 'note' }, 'The figures of this metric are dates: see the table.'));
      } else if (typeof Plot === 'undefined') {
        section.append(h('p', { class: 'note' }, 'The charting library did not load: see the table.'));
      } else {
        const { svg } = chart(s, d.unit, colour, conflicted, pick);
        section.append(svg);
      }
      out.push(section);
      out.push(
        h(
          'ul',
          { class: 'legend', 'aria-label': 'Sources and symbols' },
          [...new Set(s.observations.map((o) => o.source))].sort().map((sid) => {
            const sw = h('span', { class: 'swatch', 'aria-hidden': 'true' });
            sw.style.backgroundColor = colour(sid);
            return h('li', {}, sw, link(sourceHref(sid), title(sid)));
          }),
          h('li', { class: 'key' }, '● reported figure · ○ open end ("more than") · ↑↓ open interval · band: the interval the rules use (not reported) · line: the as-of window · red ring: in conflict'),
        ),
      );
      const skipped = s.observations.filter((o) => !plottable(o));
      if (skipped.length)
        out.push(
          h('div', { class: 'unplotted' }, h('h3', {}, 'Not plotted'), h('ul', {}, skipped.map((o) => h('li', { dataset: { claim: o.claim } }, link(claimHref(o.claim), o.claim), `: ${figure(o)}`, o.bound === 'vague' ? ' — vague: no number to draw' : ` — ${when(o)}: no time window`)))),
        );
      out.push(detail);
      out.push(h('h3', {}, 'Series'));
      out.push(
        table(
          'Series table',
          ['As of', 'Figure as written', 'Interval the rules use', 'Source', 'Claimant', 'Claim', 'Conflict'],
          s.observations.map((o) => [when(o), figure(o), intervalText(o.interval), link(sourceHref(o.source, o.claim), title(o.source)), o.claimant || '–', link(claimHref(o.claim), o.claim), conflicted.has(o.claim) ? 'yes' : '']),
        ),
      );
    }
    out.push(h('h2', {}, 'Conflicts'));
    const rows = conflicts.length ? conflicts : (d.disagreements || []).map((x) => ({ a: { claim: x.a }, b: { claim: x.b }, reason: x.reason }));
    if (!rows.length) out.push(h('p', {}, 'No pair of these figures contradicts another.'));
    else out.push(conflictTable(rows, title));
    return out;
  };

  function conflictTable(rows, title) {
    return table(
      'Conflicts',
      ['Side A', 'Side B', 'Rule', 'Why (the arithmetic)', ''],
      rows.map((c) => [
        h('span', {}, link(claimHref(c.a.claim), c.a.claim), c.a.value !== undefined ? ` ${figure(c.a)}` : '', c.a.source ? h('br') : '', c.a.source ? title(c.a.source) : ''),
        h('span', {}, link(claimHref(c.b.claim), c.b.claim), c.b.value !== undefined ? ` ${figure(c.b)}` : '', c.b.source ? h('br') : '', c.b.source ? title(c.b.source) : ''),
        [c.rule, c.class, c.certainty].filter(Boolean).join(' · ') || 'interval',
        c.explanation || c.reason || '',
        link(conflictHref(c.a.claim, c.b.claim), 'compare'),
      ]),
    );
  }

  views.conflicts = async () => {
    const [all, srcMap] = await Promise.all([apiAll('/v1/conflicts?limit=1000'), sourcesById()]);
    const title = (sid) => srcMap.get(sid)?.title || sid;
    return [h('h1', {}, `Conflicts (${all.length})`), all.length ? conflictTable(all, title) : h('p', {}, 'No conflicts.')];
  };

  /** A provenance chain, whatever its steps hold: each step's members as text. */
  /**
   * A claim's provenance: the work it rests on (its note), the relay chain (claimant,
   * relaying authors, publishers; inferred parts marked) and the claims it repeats.
   */
  function provenance(p) {
    if (!p || typeof p !== 'object') return null;
    const role = { claimant: 'Said by', relay: 'Relayed by', publisher: 'Published by' };
    const parts = [];
    if (p.rests_on) {
      const r = p.rests_on;
      parts.push(
        h(
          'p',
          { class: 'rests-on' },
          'Rests on ',
          r.in_base ? link(sourceHref(r.source), r.title || r.source) : h('cite', {}, r.title || r.source),
          r.note ? ` (note ${r.note}${r.scope ? `, covering the ${r.scope}` : ''})` : r.scope ? ` (${r.scope})` : '',
        ),
      );
    }
    const chain = Array.isArray(p.chain) ? p.chain : [];
    if (chain.length)
      parts.push(
        h(
          'ol',
          { class: 'chain' },
          chain.map((st) =>
            h(
              'li',
              { class: st.inferred ? 'inferred' : null },
              `${role[st.role] || st.role}: `,
              st.entity ? link(entityHref(st.entity), st.name) : st.name,
              st.inferred ? h('span', { class: 'badge' }, ' inferred') : '',
              st.basis ? h('span', { class: 'basis' }, ` (${st.basis})`) : '',
            ),
          ),
        ),
      );
    const rel = (label, xs) =>
      Array.isArray(xs) && xs.length
        ? h('p', {}, label, xs.map((x, k) => [k ? ', ' : '', link(claimHref(x.claim || x), x.claim || x)]))
        : null;
    parts.push(rel('Repeats ', p.repeats), rel('Repeated by ', p.repeated_by));
    return parts.filter(Boolean).length ? h('div', { class: 'provenance' }, parts) : null;
  }


  views.conflict = async ([a, b]) => {
    const [ca, cb, srcMap] = await Promise.all([api(`/v1/claims/${encodeURIComponent(a)}`), api(`/v1/claims/${encodeURIComponent(b)}`), sourcesById()]);
    const A = ca.json.data;
    const B = cb.json.data;
    const list = A.metric ? await apiAll(`/v1/conflicts?metric=${encodeURIComponent(A.metric)}&limit=1000`) : [];
    const c = list.find((x) => (x.a.claim === a && x.b.claim === b) || (x.a.claim === b && x.b.claim === a));
    const side = (cl, label) =>
      h(
        'article',
        { class: 'side', 'aria-label': label },
        h('h2', {}, label, ': ', figure(cl)),
        dl([
          ['Claimant', cl.claimant],
          ['When', when(cl)],
          ['Source', link(sourceHref(cl.source, cl.id), srcMap.get(cl.source)?.title || cl.source)],
          ['Published', srcMap.get(cl.source)?.published],
          ['Claim', link(claimHref(cl.id), cl.id)],
        ]),
        inContext(cl.context, cl.quote),
        cl.provenance ? [h('h3', {}, 'Provenance'), provenance(cl.provenance)] : null,
      );
    return [
      h('h1', {}, 'Conflict: ', A.metric_record?.label || A.metric || ''),
      c ? dl([['Rule', c.rule || 'interval'], ['Class', c.class], ['Certainty', c.certainty], ['Id', c.id], ['Why', c.explanation || c.reason]]) : h('p', { class: 'note' }, 'The API lists no conflict between these two claims.'),
      h('div', { class: 'sides' }, side(A, 'Side A'), side(B, 'Side B')),
      A.metric ? h('p', {}, link(metricHref(A.metric), 'All figures of this metric')) : null,
    ];
  };

  views.claim = async ([id]) => {
    const [{ json }, revs, srcMap] = await Promise.all([api(`/v1/claims/${encodeURIComponent(id)}`), apiOptional(`/v1/claims/${encodeURIComponent(id)}/revisions`), sourcesById()]);
    const c = json.data;
    const src = srcMap.get(c.source);
    const numberish = c.bound || c.value !== null;
    return [
      h('h1', {}, c.statement || c.id),
      h('h2', {}, 'The passage'),
      inContext(c.context, c.quote),
      h('p', {}, link(sourceHref(c.source, c.id), `Read it in ${src?.title || c.source}`), ` (code points ${c.quote_start}–${c.quote_end})`),
      h('h2', {}, 'What it says'),
      dl([
        ['Kind', c.kind],
        ['Metric', c.metric ? link(metricHref(c.metric), c.metric_record?.label || c.metric) : null],
        ['Figure as written', numberish ? c.value_text || c.quote : null],
        ['As interpreted', numberish ? `${figure(c)} (bound ${c.bound || '–'}${c.lower !== null ? `, lower ${num(c.lower)}` : ''}${c.upper !== null ? `, upper ${num(c.upper)}` : ''})` : null],
        // The interval the consistency rules read, and the policy row behind it: never a figure anyone reported.
        ['Read by the rules as', c.interval && typeof c.interval.lo !== 'string' ? [intervalText(c.interval), c.policy?.reads_as ? h('span', { class: 'basis' }, ` (${c.bound}: ${c.policy.reads_as})`) : ''] : null],
        ['As of', c.as_of || (c.period_start ? `${c.period_start}–${c.period_end || ''}` : null)],
        ['Time basis', c.time_basis],
        ['Claimant', c.claimant_entity ? link(entityHref(c.claimant_entity), c.claimant) : c.claimant],
        ['Claimant kind', c.claimant_kind],
        ['Place', c.place ? link(entityHref(c.place), c.place) : null],
        ['About', c.subject ? link(c.subject_type === 'program' ? programHref(c.subject) : entityHref(c.subject), c.subject) : null],
        ['Entities', (c.entities || []).map((e, i) => [i ? ', ' : '', link(entityHref(e), e)])],
        ['Topics', (c.topics || []).join(', ')],
        ['Footnote', c.footnote],
        ['Note', c.note],
        ['Source', link(sourceHref(c.source), src?.title || c.source)],
      ]),
      h('h2', {}, 'Provenance'),
      provenance(c.provenance) || h('p', {}, c.claimant && src ? `Asserted by ${c.claimant}, printed in ${src.title}${src.publisher ? ` (${src.publisher})` : ''}.` : 'No provenance chain recorded.'),
      h('h2', {}, 'Revisions'),
      revs && revs.json.data.length
        ? table('Revisions', ['Revision', 'When', 'By', 'Why'], revs.json.data.map((r) => [String(r.revision ?? ''), r.at || r.created_at || '', r.by || r.token || '', r.reason || '']))
        : h('p', {}, `Revision ${c.revision ?? 1}: as seeded, never changed.`),
    ];
  };

  /** Code point offsets to UTF-16 indexes: cp[i] is where code point i starts. */
  function codePointIndex(s) {
    const idx = [];
    let i = 0;
    for (const ch of s) {
      idx.push(i);
      i += ch.length;
    }
    idx.push(i);
    return idx;
  }

  views.source = async ([id], params) => {
    const [{ json }, srcMap] = await Promise.all([api(`/v1/sources/${encodeURIComponent(id)}`), sourcesById()]);
    const s = json.data;
    const out = [h('h1', {}, s.title), dl([['Authors', (s.authors || []).join(', ')], ['Publisher', s.publisher], ['Originally', s.original_publisher], ['Published', s.published], ['Kind', s.kind], ['Note', s.note]])];
    const [derived, consistency, conflicts] = await Promise.all([
      // Only what the server links to: a server without them answers nothing extra.
      s.links?.derived ? apiOptional(s.links.derived) : null,
      s.links?.consistency ? apiOptional(s.links.consistency) : null,
      apiAll(`/v1/conflicts?source=${encodeURIComponent(id)}&limit=1000`),
    ]);
    const internal = conflicts.filter((c) => c.a.source === id && c.b.source === id);
    const title = (sid) => srcMap.get(sid)?.title || sid;
    const side = h('aside', { class: 'source-side', 'aria-label': 'About this source' });
    if (s.cites && s.cites.length) add(side, [h('h2', {}, 'Works it cites'), h('ul', {}, s.cites.map((w) => h('li', {}, w.label ? `[${w.label}] ` : '', link(sourceHref(w.id), w.title || w.id))))]);
    const citedBy = s.cited_by || s.citations?.cited_by;
    if (Array.isArray(citedBy) && citedBy.length) add(side, [h('h2', {}, 'Documents that cite it'), h('ul', {}, citedBy.map((w) => h('li', {}, link(sourceHref(w.id || w.source || w), w.title || title(w.id || w.source || w)))))]);
    if (derived && Array.isArray(derived.json.data) && derived.json.data.length) {
      // Each claim elsewhere that rests on this source: what it repeats, kept or changed.
      const change = (c) => h('li', {}, `${c.field}: `, h('q', {}, c.from), ' → ', h('q', {}, c.to));
      const repeat = (r) =>
        h(
          'li',
          {},
          'repeats ',
          link(claimHref(r.claim), r.claim),
          `: ${String(r.status || '').replace('_', ' ')}`,
          r.certainty && r.status === 'changed' ? ` (${r.certainty})` : '',
          Array.isArray(r.changes) && r.changes.length ? h('ul', { class: 'changes' }, r.changes.map(change)) : '',
          r.conflict ? [' ', link(`#/conflicts?rule=drift`, 'drift finding')] : '',
        );
      add(side, [
        h('h2', {}, 'What others took from it'),
        h(
          'ul',
          { class: 'derived' },
          derived.json.data.map((x) =>
            h(
              'li',
              { dataset: { status: x.status || '' } },
              x.claim ? link(claimHref(x.claim), x.claim) : '',
              x.source ? [' in ', link(sourceHref(x.source), title(x.source))] : '',
              x.status ? `: ${String(x.status).replace('_', ' ')}` : '',
              Array.isArray(x.repeats) && x.repeats.length ? h('ul', {}, x.repeats.map(repeat)) : '',
            ),
          ),
        ),
      ]);
    }
    const consItems = consistency && (Array.isArray(consistency.json.data) ? consistency.json.data : consistency.json.data?.findings);
    const inconsistencies = Array.isArray(consItems) && consItems.length ? consItems : internal;
    add(side, [h('h2', {}, 'Internal inconsistencies'), inconsistencies.length ? h('ul', {}, inconsistencies.map((c) => h('li', {}, c.a && c.b ? link(conflictHref(c.a.claim, c.b.claim), `${c.a.claim} / ${c.b.claim}`) : '', ' ', c.explanation || c.reason || ''))) : h('p', {}, 'None found.')]);

    if (!s.has_text) {
      out.push(h('p', {}, 'This work is cited by a document of the base; its text is not stored.'));
      out.push(side);
      return out;
    }
    const [body, claims] = await Promise.all([text(`/v1/sources/${encodeURIComponent(id)}/text`), apiAll(`/v1/sources/${encodeURIComponent(id)}/claims?limit=1000&fields=id,quote_start,quote_end,statement,kind`)]);
    const cp = codePointIndex(body);
    const n = cp.length - 1;
    // Split the text at every passage boundary; each piece knows the claims covering it.
    const bounds = new Set([0, n]);
    for (const c of claims) {
      if (c.quote_start >= 0 && c.quote_end <= n && c.quote_start < c.quote_end) {
        bounds.add(c.quote_start);
        bounds.add(c.quote_end);
      }
    }
    const cuts = [...bounds].sort((x, y) => x - y);
    const reader = h('div', { class: 'reader', 'aria-label': 'Stored text', role: 'region', tabindex: '0' });
    const want = params.get('claim');
    let current = null;
    for (let i = 0; i + 1 < cuts.length; i++) {
      const a = cuts[i];
      const b = cuts[i + 1];
      const piece = body.slice(cp[a], cp[b]);
      const covering = claims.filter((c) => c.quote_start <= a && c.quote_end >= b);
      if (!covering.length) {
        reader.append(document.createTextNode(piece));
        continue;
      }
      covering.sort((x, y) => x.quote_end - x.quote_start - (y.quote_end - y.quote_start));
      const top = covering[0];
      const el = h('a', { class: 'passage', href: claimHref(top.id), title: covering.map((c) => `${c.id}: ${c.statement || ''}`).join('\n'), dataset: { claims: covering.map((c) => c.id).join(' '), start: a, end: b } }, piece);
      if (covering.length > 1) el.classList.add('overlap');
      if (want && covering.some((c) => c.id === want)) {
        el.classList.add('current');
        current ||= el;
      }
      reader.append(el);
    }
    out.push(h('p', { class: 'note' }, `${claims.length} claims; each marked passage opens its claim (where passages overlap, the shorter one).`));
    out.push(h('div', { class: 'source-layout' }, reader, side));
    if (current) setTimeout(() => current.scrollIntoView({ block: 'center' }), 0);
    return out;
  };

  views.program = async ([id]) => {
    const [{ json }, srcMap] = await Promise.all([api(`/v1/programs/${encodeURIComponent(id)}`), sourcesById()]);
    const p = json.data;
    const title = (sid) => srcMap.get(sid)?.title || sid;
    return [
      h('h1', {}, p.name),
      h('p', { class: 'lead' }, p.description || ''),
      dl([['Kind', p.kind], ['Also called', (p.aliases || []).join(' · ')], ['Claims', link(`#/claims?program=${encodeURIComponent(p.id)}`, `${p.claim_count} claims`)]]),
      (p.attributes || []).map((at) =>
        h(
          'section',
          { class: 'attribute' },
          h('h2', {}, at.attribute.replace(/_/g, ' '), at.variants.length > 1 ? ` — ${at.variants.length} variants` : ''),
          table(
            `Variants of ${at.attribute}`,
            ['Variant', 'Sources', 'Claims'],
            at.variants.map((v) => [
              v.bound ? figure(v) : String(v.value ?? ''),
              h('span', {}, (v.sources || []).map((sid, i) => [i ? '; ' : '', link(sourceHref(sid), title(sid))])),
              h('ul', { class: 'plain' }, (v.claims || []).map((c) => h('li', {}, link(claimHref(c.id), c.id), ` ${c.claimant || ''}: “${c.quote}”`))),
            ]),
          ),
          at.disagreements && at.disagreements.length ? h('ul', { class: 'disagreements' }, at.disagreements.map((x) => h('li', {}, typeof x === 'string' ? x : x.reason || x.explanation || JSON.stringify(x)))) : null,
          at.disagreement ? h('p', { class: 'disagreement' }, typeof at.disagreement === 'string' ? at.disagreement : at.disagreement.reason || JSON.stringify(at.disagreement)) : null,
        ),
      ),
    ];
  };

  views.entity = async ([id]) => {
    const { json } = await api(`/v1/entities/${encodeURIComponent(id)}`);
    const e = json.data;
    return [
      h('h1', {}, e.name),
      h('p', { class: 'lead' }, e.description || ''),
      dl([['Kind', e.kind], ['Spellings', (e.aliases || []).join(' · ')], ['Claims', link(`#/claims?entity=${encodeURIComponent(e.id)}`, `${e.claim_count} claims`)]]),
      h('h2', {}, 'What is said about it'),
      h('ul', {}, (e.claims || []).map((c) => h('li', {}, link(claimHref(c.id), c.id), ` (${c.kind}) ${c.statement || ''}`))),
    ];
  };

  views.search = async (_, params) => {
    const q = params.get('q') || '';
    if (!q) return [h('h1', {}, 'Search'), h('p', {}, 'Type words in the search box.')];
    const { json, total } = await api(`/v1/search?${new URLSearchParams({ q, limit: '50' })}`);
    const target = (x) => (x.type === 'claim' ? claimHref(x.id) : x.type === 'source' ? sourceHref(x.id) : programHref(x.id));
    return [h('h1', {}, `Search: ${q}`), h('p', {}, `${total} hits`), h('ol', { class: 'hits' }, json.data.map((x) => h('li', {}, h('span', { class: 'type' }, x.type), ' ', link(target(x), x.title || x.id), h('br'), snippet(x.snippet || ''))))];
  };

  /* ---- claims browser -------------------------------------------------------- */

  const FILTERS = [
    ['q', 'Text', 'search'],
    ['source', 'Source', 'select'],
    ['metric', 'Metric', 'select'],
    ['kind', 'Kind', 'select'],
    ['claimant', 'Claimant', 'text'],
    ['entity', 'Entity id', 'text'],
    ['program', 'Program id', 'text'],
    ['as_of_from', 'As of from', 'text'],
    ['as_of_to', 'As of to', 'text'],
    ['value_min', 'Value at least', 'number'],
    ['value_max', 'Value at most', 'number'],
  ];
  const KINDS = ['statistic', 'event', 'policy', 'assessment', 'recommendation', 'testimony'];
  const PAGE = 50;
  const claimsState = { form: null, results: null };

  /** The API query of the browser's filters: only filters the API knows, none empty. */
  function claimsQuery(params) {
    const q = new URLSearchParams();
    for (const [k] of FILTERS) if (params.get(k)) q.set(k, params.get(k));
    if (params.get('offset') && params.get('offset') !== '0') q.set('offset', params.get('offset'));
    return q;
  }

  views.claims = async (_, params) => {
    const [srcMap, metrics] = await Promise.all([sourcesById(), apiAll('/v1/statistics?limit=1000&all=true')]);
    const options = {
      source: [...srcMap.values()].filter((s) => s.claim_count > 0).map((s) => [s.id, s.title]),
      metric: metrics.map((m) => [m.id, m.label || m.id]),
      kind: KINDS.map((k) => [k, k]),
    };
    const form = h('form', { class: 'filters', 'aria-label': 'Filters' });
    for (const [name, label, type] of FILTERS) {
      const fid = `f-${name}`;
      let input;
      if (type === 'select') {
        input = h('select', { id: fid, name }, h('option', { value: '' }, 'any'), options[name].map(([v, t]) => h('option', { value: v }, t)));
      } else {
        input = h('input', { id: fid, name, type, step: type === 'number' ? 'any' : null, placeholder: name.startsWith('as_of') ? 'YYYY[-MM[-DD]]' : null });
      }
      input.value = params.get(name) || '';
      form.append(h('div', { class: 'field' }, h('label', { for: fid }, label), input));
    }
    const apply = () => {
      const p = new URLSearchParams();
      for (const [name] of FILTERS) {
        const v = form.elements[name].value.trim();
        if (v) p.set(name, v);
      }
      location.hash = hashFor(['claims'], p);
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      apply();
    });
    form.addEventListener('change', (e) => {
      if (e.target.tagName === 'SELECT') apply();
    });
    form.append(h('div', { class: 'field actions' }, h('button', { type: 'submit' }, 'Apply'), link('#/claims', 'Clear')));
    const results = h('div', { class: 'results', 'aria-live': 'polite' });
    claimsState.form = form;
    claimsState.results = results;
    claimsState.options = options;
    await claimsResults(params);
    return [h('h1', {}, 'Claims'), h('div', { class: 'browser' }, form, results)];
  };

  async function claimsResults(params) {
    const { results, options } = claimsState;
    const q = claimsQuery(params);
    const apiQ = new URLSearchParams(q);
    apiQ.set('limit', String(PAGE));
    apiQ.set('include', 'source');
    let page;
    try {
      page = await api(`/v1/claims?${apiQ}`);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      results.replaceChildren(h('p', { class: 'error', role: 'alert' }, e.detail));
      return;
    }
    // Facet counts: how many claims each value would give with the other filters kept.
    const facet = async (name) => {
      const counts = await Promise.all(
        options[name].map(async ([v, t]) => {
          const fq = new URLSearchParams(q);
          fq.delete('offset');
          fq.set(name, v);
          fq.set('limit', '1');
          fq.set('fields', 'id');
          const { total } = await api(`/v1/claims?${fq}`);
          return [v, t, total];
        }),
      );
      return h(
        'div',
        { class: 'facet' },
        h('h3', {}, name),
        h(
          'ul',
          {},
          counts
            .filter(([, , n]) => n > 0)
            .map(([v, t, n]) => {
              const p = new URLSearchParams(q);
              p.delete('offset');
              p.set(name, v);
              return h('li', { class: params.get(name) === v ? 'on' : null }, link(hashFor(['claims'], p), t), ` ${n}`);
            }),
        ),
      );
    };
    const facets = await Promise.all([facet('kind'), facet('source')]);
    const { json, total } = page;
    const offset = Number(params.get('offset') || 0);
    const pageLink = (o, label) => {
      const p = new URLSearchParams(q);
      if (o) p.set('offset', String(o));
      else p.delete('offset');
      return link(hashFor(['claims'], p), label);
    };
    const apiUrl = `/v1/claims${[...q].length ? `?${q}` : ''}`;
    const csvUrl = `/v1/claims.csv${[...q].length ? `?${q}` : ''}`;
    results.replaceChildren(
      h('p', { class: 'count' }, total ? `Claims ${offset + 1}–${offset + json.data.length} of ${total}` : 'No claim matches.'),
      h('p', { class: 'links' }, 'The same query: ', link(apiUrl, 'API URL'), ' · ', link(csvUrl, 'CSV'), h('code', { class: 'api-url' }, apiUrl)),
      h('div', { class: 'facets' }, facets),
      table(
        'Matching claims',
        ['Claim', 'Statement', 'Kind', 'As of', 'Figure', 'Source'],
        json.data.map((c) => [link(claimHref(c.id), c.id), c.statement || '', c.kind, c.as_of || '', c.bound ? figure(c) : '', link(sourceHref(c.source, c.id), c.source_record?.title || c.source)]),
      ),
      h('nav', { class: 'pager', 'aria-label': 'Pages' }, offset > 0 ? pageLink(Math.max(0, offset - PAGE), '← Previous') : null, offset + PAGE < total ? pageLink(offset + PAGE, 'Next →') : null),
    );
  }

  /* ---- routing --------------------------------------------------------------- */

  function route() {
    const raw = location.hash.replace(/^#\/?/, '');
    const qi = raw.indexOf('?');
    const path = qi < 0 ? raw : raw.slice(0, qi);
    const params = new URLSearchParams(qi < 0 ? '' : raw.slice(qi + 1));
    let parts;
    try {
      parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      parts = ['?'];
    }
    const name = parts.length ? parts[0] : 'home';
    return { name, args: parts.slice(1), params };
  }

  let generation = 0;
  let lastView = null;
  async function render(first) {
    const r = route();
    const main = document.getElementById('main');
    const gen = ++generation;
    const view = views[r.name];
    document.body.dataset.view = r.name;
    if (r.name === 'claims' && lastView === 'claims' && claimsState.results && document.contains(claimsState.results)) {
      // Same view, new filters: only the results change, the form keeps its focus.
      main.setAttribute('aria-busy', 'true');
      try {
        await claimsResults(r.params);
      } finally {
        main.removeAttribute('aria-busy');
      }
      return;
    }
    lastView = r.name;
    main.setAttribute('aria-busy', 'true');
    try {
      if (!view) throw new ApiError(404, `no view named “${r.name}”`, location.hash);
      const nodes = await view(r.args, r.params);
      if (gen !== generation) return;
      main.replaceChildren(...[nodes].flat(Infinity).filter(Boolean));
      const h1 = main.querySelector('h1');
      document.title = h1 ? `${h1.textContent} · Marsad` : 'Marsad explorer';
    } catch (e) {
      if (gen !== generation) return;
      main.replaceChildren(h('h1', {}, e instanceof ApiError && e.status === 404 ? 'Not found' : 'Something went wrong'), h('p', { role: 'alert' }, e instanceof ApiError ? e.detail : String(e)), link('#/', 'Back to the start'));
      document.title = 'Marsad explorer';
    } finally {
      if (gen === generation) main.removeAttribute('aria-busy');
    }
    if (!first) main.focus({ preventScroll: false });
  }

  document.getElementById('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = e.target.elements.q.value.trim();
    if (q) location.hash = hashFor(['search'], new URLSearchParams({ q }));
  });
  window.addEventListener('hashchange', () => render(false));
  render(true);
})();
