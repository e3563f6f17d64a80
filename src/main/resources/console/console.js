// poolgate console: live view from /console/stream (server-sent events), operations through /admin.
'use strict';
(function () {
  const TOKEN_KEY = 'poolgate-admin-token';
  const SECONDS = 900;
  const $ = (sel, root) => (root || document).querySelector(sel);
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
    }
    kids.forEach(k => e.append(k));
    return e;
  };
  const fmt = (v, digits) => v == null ? '–' : Number(v).toFixed(digits || 0);
  const uptime = ms => {
    if (!ms) return '–';
    const s = Math.floor(ms / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
      m = Math.floor(s % 3600 / 60);
    return (d ? d + 'd ' : '') + String(h).padStart(2, '0') + ':' + String(m).padStart(2, '0') + ':'
      + String(s % 60).padStart(2, '0');
  };

  // ---------------------------------------------------------------- live view
  let viewCount = 0;
  const poolCards = new Map();

  function renderView(v) {
    viewCount++;
    $('#node').textContent = v.node;
    $('#status').textContent = v.status;
    const pools = $('#pools');
    const seen = new Set();
    v.pools.forEach(p => {
      seen.add(p.name);
      let card = poolCards.get(p.name);
      if (!card) {
        card = el('article', {class: 'pool', 'data-pool': p.name});
        poolCards.set(p.name, card);
        pools.append(card);
      }
      renderPool(card, p);
    });
    for (const [name, card] of poolCards) {
      if (!seen.has(name)) { card.remove(); poolCards.delete(name); }
    }
    renderMembers(v.members);
    syncPoolChoices(v.pools.map(p => p.name));
  }

  function poolIsQps(p) {
    const live = p.instances.filter(i => !i.retired);
    return live.length > 0 && live.every(i => i.max_rps > 0);
  }

  // Cards and rows are built once and then updated in place, so nothing jumps and a focused
  // button keeps its focus while the figures change under it.
  function renderPool(card, p) {
    const qps = poolIsQps(p);
    if (!card.built) {
      const f = {};
      const span = (name, attrs) => (f[name] = el('span', Object.assign({class: 'num'}, attrs || {})));
      card.append(el('div', {class: 'pool-head'}, el('b', {text: p.name}),
        span('load', {'data-field': 'pool-load'}), span('queued', {'data-field': 'queued'}),
        span('borrowed', {title: 'requests served on slots lent by other pools, last second'}),
        span('guests', {title: 'tickets of pools it lends to, waiting for its idle slots'}),
        span('lent', {title: 'slots of this pool serving requests of pools it lends to, now'}),
        span('lend', {class: 'muted'}), span('fallback', {class: 'muted'})));
      f.queue = el('div', {class: 'queue', 'aria-label': 'queue by priority 0 to 10'});
      f.levels = [];
      for (let prio = 0; prio <= 10; prio++) {
        const cell = el('span', {title: 'priority ' + prio});
        f.levels.push(cell);
        f.queue.append(cell);
      }
      f.rows = el('div');
      card.append(f.queue, f.rows);
      card.fields = f;
      card.rowsById = new Map();
      card.built = true;
    }
    const f = card.fields;
    f.load.textContent = (qps ? 'req/s ' : 'in flight ')
      + (qps ? sum(p.instances, 'requests_last_second') : p.in_flight)
      + ' / ' + (qps ? sum(p.instances.filter(i => !i.retired), 'max_rps') : p.capacity);
    f.queued.textContent = 'queued ' + p.queued;
    f.borrowed.textContent = 'borrowed/s ' + fmt(lastSecond(p.name, 'borrowed'));
    f.guests.textContent = 'guests ' + p.guests;
    f.lent.textContent = 'lent ' + p.lent;
    f.lend.textContent = p.lend_to && p.lend_to.length ? 'lends to ' + p.lend_to.join(', ') : '';
    f.fallback.textContent = p.fallback ? 'fallback ' + p.fallback : '';
    f.levels.forEach((cell, prio) => {
      const n = (p.queued_by_priority || {})[prio] || 0;
      cell.textContent = prio + ':' + n;
      cell.className = n ? 'q' : '';
    });
    const seen = new Set();
    p.instances.forEach((i, at) => {
      seen.add(i.id);
      let row = card.rowsById.get(i.id);
      if (!row) {
        row = buildInstance(p.name, i.id);
        card.rowsById.set(i.id, row);
      }
      // moved only when out of place: moving a node would take the focus off its buttons
      if (f.rows.children[at] !== row) f.rows.insertBefore(row, f.rows.children[at] || null);
      updateInstance(row, i, qps);
    });
    for (const [id, row] of card.rowsById) {
      if (!seen.has(id)) { row.remove(); card.rowsById.delete(id); }
    }
  }

  function buildInstance(pool, id) {
    const row = el('div', {class: 'inst', 'data-instance': id});
    const f = {};
    f.bar = el('div', {class: 'bar', role: 'meter', 'aria-valuemin': '0'});
    f.fill = el('i');
    f.load = el('span', {class: 'bar-label', 'data-field': 'load'});
    f.bar.append(f.fill, f.load);
    f.health = el('span', {'data-field': 'health'});
    f.latency = el('span', {class: 'num', 'data-field': 'latency', title: 'latency estimate (time to first byte)'});
    row.append(el('span', {class: 'id mono', title: id, text: id}), f.bar, f.health, f.latency);
    f.tags = el('span');
    f.key = el('span');
    f.weight = el('span', {class: 'num'});
    f.failures = el('span', {class: 'num'});
    f.error = el('span', {class: 'err', 'data-field': 'last-error'});
    row.append(el('div', {class: 'detail'}, f.tags, f.key, f.weight, f.failures, f.error));
    f.drain = el('button', {type: 'button'});
    f.drain.addEventListener('click', () => adminCall('POST', '/admin/pools/' + enc(pool) + '/instances/'
      + enc(id) + '/' + f.drain.dataset.act));
    f.edit = el('button', {type: 'button', 'data-act': 'edit', text: 'Edit'});
    f.edit.addEventListener('click', () => fillInstanceForm(pool, row.instance));
    f.acts = el('div', {class: 'acts'}, f.drain, f.edit);
    row.append(f.acts);
    row.fields = f;
    return row;
  }

  function updateInstance(row, i, qps) {
    const f = row.fields;
    row.instance = i;
    const cur = qps ? i.requests_last_second : i.in_flight;
    const max = qps ? i.max_rps : i.max_concurrency;
    row.className = 'inst' + (i.drained ? ' drained' : '');
    f.fill.style.width = (max ? Math.min(100, 100 * cur / max) : 0).toFixed(1) + '%';
    f.load.textContent = cur + ' / ' + max + (qps ? ' rps' : '');
    f.bar.setAttribute('aria-valuemax', String(max));
    f.bar.setAttribute('aria-valuenow', String(cur));
    f.bar.setAttribute('aria-label', i.id + (qps ? ' requests per second' : ' in flight'));
    f.health.textContent = i.health;
    f.health.className = 'health ' + i.health;
    f.latency.textContent = i.latency_ms == null ? '– ms' : fmt(i.latency_ms, 1) + ' ms';
    f.tags.replaceChildren();
    if (i.drained) f.tags.append(el('span', {class: 'tag', 'data-field': 'drained', text: 'drained'}));
    if (i.retired) f.tags.append(el('span', {class: 'tag', text: 'removed, finishing'}));
    f.key.textContent = 'key ' + (i.key || '–');
    f.weight.textContent = 'weight ' + i.weight;
    f.failures.textContent = 'failures ' + i.consecutive_failures;
    f.error.textContent = i.last_error ? 'last error: ' + i.last_error : '';
    f.acts.hidden = !!i.retired;
    const act = i.drained ? 'undrain' : 'drain';
    if (f.drain.dataset.act !== act) {
      f.drain.dataset.act = act;
      f.drain.textContent = i.drained ? 'Undrain' : 'Drain';
    }
  }

  function renderMembers(members) {
    const body = $('#members tbody');
    body.replaceChildren();
    (members || []).forEach(m => {
      const tr = el('tr', {class: m.state === 'gone' ? 'gone' : '', 'data-member': m.node_id},
        el('td', {class: 'mono', title: m.node_id, text: m.node_id.slice(0, 8) + (m.self ? ' (this node)' : '')}),
        el('td', {class: 'mono', text: m.address || '–'}),
        el('td', {class: 'num', text: m.state === 'gone' ? 'left ' + new Date(m.left_at).toLocaleTimeString() : uptime(m.uptime_ms)}),
        el('td', {'data-field': 'state', text: m.state}));
      body.append(tr);
    });
  }

  const sum = (list, field) => list.reduce((a, x) => a + (x[field] || 0), 0);
  const enc = encodeURIComponent;

  // ---------------------------------------------------------------- 15-minute series
  // series[pool] = {t: [epoch seconds], lines: {name: [values]}}, at most SECONDS points
  const series = new Map();

  function loadHistory(h) {
    series.clear();
    for (const [pool, lines] of Object.entries(h.pools)) {
      const n = lines.ok.length;
      const t = Array.from({length: n}, (_, k) => h.from + k);
      const copy = {};
      for (const [name, values] of Object.entries(lines)) copy[name] = values.slice();
      series.set(pool, {t, lines: copy});
    }
    drawCharts();
  }

  function mergeTick(s) {
    for (const [pool, lines] of Object.entries(s.pools)) {
      let cur = series.get(pool);
      if (!cur) {
        cur = {t: [], lines: {}};
        for (const name of Object.keys(lines)) cur.lines[name] = [];
        series.set(pool, cur);
      }
      const n = lines.ok.length;
      for (let k = 0; k < n; k++) {
        const sec = s.from + k;
        const last = cur.t.length ? cur.t[cur.t.length - 1] : sec - 1;
        if (sec > last) {
          cur.t.push(sec);
          for (const [name, values] of Object.entries(lines)) (cur.lines[name] || (cur.lines[name] = [])).push(values[k]);
        } else {
          const at = cur.t.indexOf(sec);
          if (at >= 0) for (const [name, values] of Object.entries(lines)) cur.lines[name][at] = values[k];
        }
      }
      while (cur.t.length > SECONDS) {
        cur.t.shift();
        for (const values of Object.values(cur.lines)) values.shift();
      }
    }
    drawCharts();
  }

  function lastSecond(pool, line) {
    const s = series.get(pool);
    return s && s.t.length ? s.lines[line][s.t.length - 1] : null;
  }

  const CHARTS = [
    {id: 'rps', title: 'requests/s by outcome', lines: [['ok', '#1a7f37'], ['rejected', '#9a6700'], ['client_error', '#8250df'], ['error', '#cf222e']]},
    {id: 'latency', title: 'latency and time to first byte (ms)', lines: [['latency_p50', '#2f81f7'], ['latency_p99', '#0a3069'], ['ttfb_p50', '#3fb950'], ['ttfb_p99', '#116329']]},
    {id: 'queue', title: 'queue wait (ms)', lines: [['queue_p50', '#bf8700'], ['queue_p99', '#7d4e00']]},
    {id: 'retries', title: 'retries, fallbacks and borrowed slots per second', lines: [['retries', '#cf222e'], ['fallbacks', '#8250df'], ['borrowed', '#0969da']]},
    {id: 'tokens', title: 'tokens/s', lines: [['tokens', '#1f6feb']]},
  ];
  const plots = new Map();

  function chartWidth(box) {
    return Math.max(260, box.clientWidth - 12);
  }

  function drawCharts() {
    const pool = $('#chart-pool').value;
    const s = series.get(pool);
    if (!s || typeof uPlot === 'undefined') return;
    const grid = $('#chart-grid');
    CHARTS.forEach(c => {
      const data = [s.t].concat(c.lines.map(([name]) => s.lines[name] || []));
      let plot = plots.get(c.id);
      if (!plot) {
        const box = el('figure', {class: 'chart', 'data-chart': c.id}, el('h3', {text: c.title}));
        grid.append(box);
        plot = new uPlot({
          width: chartWidth(box), height: 200,
          series: [{}].concat(c.lines.map(([name, color]) => ({label: name, stroke: color, width: 1.5, spanGaps: false}))),
          axes: [{}, {size: 56}],
          scales: {x: {time: true}},
          legend: {live: true},
        }, data, box);
        plots.set(c.id, plot);
      } else {
        plot.setData(data);
      }
    });
  }

  function resizeCharts() {
    for (const plot of plots.values()) {
      const box = plot.root.parentElement;
      plot.setSize({width: chartWidth(box), height: 200});
    }
  }

  function syncPoolChoices(names) {
    const sel = $('#chart-pool');
    const have = new Set(Array.from(sel.options).map(o => o.value));
    names.forEach(n => { if (!have.has(n)) sel.append(el('option', {value: n, text: n})); });
    const inst = $('#inst-pool');
    const haveInst = new Set(Array.from(inst.options).map(o => o.value));
    names.forEach(n => { if (!haveInst.has(n)) inst.append(el('option', {value: n, text: n})); });
  }

  // ---------------------------------------------------------------- the stream
  let source = null;
  function connect() {
    const conn = $('#conn');
    source = new EventSource('/console/stream');
    source.onopen = () => { conn.textContent = 'live'; conn.className = 'badge live'; };
    source.onerror = () => { conn.textContent = 'reconnecting'; conn.className = 'badge down'; };
    source.addEventListener('history', e => loadHistory(JSON.parse(e.data)));
    source.addEventListener('view', e => {
      const v = JSON.parse(e.data);
      mergeTick(v.series);
      renderView(v);
      const missing = (v.members || []).filter(m => m.state === 'missing').map(m => m.node_id.slice(0, 8));
      $('#missing').textContent = missing.length ? 'not answering, left out of the sums: ' + missing.join(', ') : '';
    });
    source.addEventListener('failure', e => {
      conn.textContent = 'no data'; conn.className = 'badge down';
      $('#status').textContent = JSON.parse(e.data).message;
    });
  }

  // ---------------------------------------------------------------- admin operations
  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function tokenState() {
    $('#token-state').textContent = token() ? 'token set for this tab' : 'no token';
  }

  function show(label, status, text) {
    const out = $('#answer');
    let body = text;
    try { body = JSON.stringify(JSON.parse(text), null, 2); } catch (ignored) { /* not JSON: as it came */ }
    out.textContent = label + '\n' + status + '\n' + (body || '(empty body)');
    out.className = 'answer' + (status >= 400 || status === 0 ? ' error' : '');
    out.dataset.status = String(status);
  }

  /** Calls the admin API and shows its answer (a quiet call shows only a failure). */
  async function adminCall(method, path, body, contentType, quiet) {
    const t = token();
    if (!t) {
      show(method + ' ' + path, 0, 'enter the admin token first (Operations, "Admin token")');
      $('#token-input').focus();
      return null;
    }
    const headers = {'x-admin-token': t};
    if (body !== undefined) headers['content-type'] = contentType || 'application/json';
    try {
      const r = await fetch(path, {method, headers, credentials: 'omit', cache: 'no-store',
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)});
      const text = await r.text();
      if (!quiet || r.status >= 400) show(method + ' ' + path, r.status, text);
      if (r.status === 401) {
        sessionStorage.removeItem(TOKEN_KEY);
        tokenState();
      }
      return {status: r.status, text};
    } catch (e) {
      show(method + ' ' + path, 0, String(e));
      return null;
    }
  }

  function parseJsonField(id) {
    const v = $(id).value.trim();
    if (!v) return {};
    try {
      const o = JSON.parse(v);
      if (o && typeof o === 'object' && !Array.isArray(o)) return o;
    } catch (ignored) { /* answered below */ }
    throw new Error(id.slice(1) + ': must be a JSON object');
  }

  function instanceFields() {
    const body = {};
    const cap = $('#inst-cap').value, weight = $('#inst-weight').value;
    if (cap !== '') body.max_concurrency = Number(cap);
    if (weight !== '') body.weight = Number(weight);
    const params = parseJsonField('#inst-params');
    if (Object.keys(params).length) body.params = params;
    return body;
  }

  function fillInstanceForm(pool, i) {
    $('#inst-pool').value = pool;
    $('#inst-id').value = i.id;
    $('#inst-cap').value = i.max_concurrency;
    $('#inst-weight').value = i.weight;
    $('#inst-id').focus();
  }

  function guarded(fn) {
    return () => {
      try { fn(); } catch (e) { show('not sent', 0, e.message); }
    };
  }

  function wire() {
    $('#token-form').addEventListener('submit', e => {
      e.preventDefault();
      const v = $('#token-input').value.trim();
      if (v) sessionStorage.setItem(TOKEN_KEY, v);
      $('#token-input').value = '';
      tokenState();
    });
    $('#token-forget').addEventListener('click', () => { sessionStorage.removeItem(TOKEN_KEY); tokenState(); });
    const instPath = () => '/admin/pools/' + enc($('#inst-pool').value) + '/instances';
    $('#inst-add').addEventListener('click', guarded(() => {
      const body = Object.assign(parseJsonField('#inst-extra'), instanceFields(), {id: $('#inst-id').value.trim()});
      adminCall('POST', instPath(), body);
    }));
    $('#inst-edit').addEventListener('click', guarded(() =>
      adminCall('PATCH', instPath() + '/' + enc($('#inst-id').value.trim()), instanceFields())));
    $('#inst-remove').addEventListener('click', () => {
      const id = $('#inst-id').value.trim();
      if (id && confirm('Remove instance ' + id + '?')) adminCall('DELETE', instPath() + '/' + enc(id));
    });
    $('#key-create').addEventListener('click', async () => {
      const body = {name: $('#key-name').value.trim()};
      const models = $('#key-models').value.split(',').map(s => s.trim()).filter(Boolean);
      if (models.length) body.models = models;
      $('#key-shown').textContent = '';
      const r = await adminCall('POST', '/admin/keys', body);
      if (r && r.status === 201) {
        $('#key-shown').textContent = JSON.parse(r.text).key || '(a key given as a hash has nothing to show)';
        listKeys(true);
      }
    });
    $('#key-list').addEventListener('click', () => listKeys(false));
    $('#config-export').addEventListener('click', async () => {
      const r = await adminCall('GET', '/admin/config');
      if (r && r.status === 200) $('#config-text').value = r.text;
    });
    $('#config-import').addEventListener('click', () => {
      const text = $('#config-text').value;
      if (text.trim() && confirm('Replace the whole configuration with this text?')) {
        adminCall('PUT', '/admin/config', text, 'application/yaml');
      }
    });
    $('#usage-form').addEventListener('submit', e => { e.preventDefault(); loadUsage(); });
    $('#chart-pool').addEventListener('change', drawCharts);
    window.addEventListener('resize', resizeCharts);
    const today = new Date().toISOString().slice(0, 10);
    $('#usage-to').value = today;
    $('#usage-from').value = new Date(Date.now() - 6 * 86400000).toISOString().slice(0, 10);
  }

  async function listKeys(quiet) {
    const r = await adminCall('GET', '/admin/keys', undefined, undefined, quiet);
    const list = $('#keys');
    list.replaceChildren();
    if (!r || r.status !== 200) return;
    JSON.parse(r.text).data.forEach(k => {
      const revoke = el('button', {type: 'button', class: 'danger', 'data-act': 'revoke', text: 'Revoke'});
      revoke.addEventListener('click', () => {
        if (confirm('Revoke key ' + k.name + '?')) adminCall('DELETE', '/admin/keys/' + enc(k.name)).then(() => listKeys(true));
      });
      list.append(el('li', {'data-key': k.name}, el('span', {class: 'mono', text: k.name}),
        el('span', {class: 'muted', text: k.models ? k.models.join(', ') : 'all models'}), revoke));
    });
  }

  let usagePlot = null;
  async function loadUsage() {
    const q = new URLSearchParams();
    for (const f of ['from', 'to', 'key', 'model']) {
      const v = $('#usage-' + f).value.trim();
      if (v) q.set(f, v);
    }
    const r = await adminCall('GET', '/admin/usage?' + q.toString());
    const body = $('#usage-table tbody');
    body.replaceChildren();
    if (!r || r.status !== 200) return;
    const u = JSON.parse(r.text);
    const byDay = new Map();
    u.rows.forEach(row => {
      body.append(el('tr', {}, el('td', {text: row.day}), el('td', {text: row.client_key}), el('td', {text: row.model}),
        el('td', {class: 'num', text: row.requests}), el('td', {class: 'num', text: row.tokens_in}),
        el('td', {class: 'num', text: row.tokens_out}), el('td', {class: 'num', text: row.errors})));
      const d = byDay.get(row.day) || {requests: 0, tokens: 0};
      d.requests += row.requests; d.tokens += row.tokens_in + row.tokens_out;
      byDay.set(row.day, d);
    });
    const days = Array.from(byDay.keys()).sort();
    const data = [days.map(d => Date.parse(d + 'T00:00:00Z') / 1000), days.map(d => byDay.get(d).requests),
      days.map(d => byDay.get(d).tokens)];
    const box = $('#usage-chart');
    if (usagePlot) usagePlot.destroy();
    usagePlot = new uPlot({width: Math.max(260, box.clientWidth - 12), height: 180,
      series: [{}, {label: 'requests', stroke: '#2f81f7', scale: 'n', points: {show: true}},
        {label: 'tokens', stroke: '#1a7f37', scale: 't', points: {show: true}}],
      axes: [{}, {scale: 'n', size: 56}, {scale: 't', side: 1, size: 64, grid: {show: false}}]}, data, box);
  }

  // read-only figures for the browser's devtools (and the browser test): the sum of a chart line
  window.poolgateConsole = Object.freeze({
    views: () => viewCount,
    lineSum: (pool, line) => {
      const s = series.get(pool);
      return s ? s.lines[line].reduce((a, v) => a + (v || 0), 0) : null;
    },
  });

  wire();
  tokenState();
  connect();
})();
