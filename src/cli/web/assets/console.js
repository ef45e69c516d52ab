// rxbs web: draws the snapshots the server pushes over Server-Sent Events and posts
// actions back. Data only ever reaches the page through textContent and attributes
// (never innerHTML), so a tube name or job body is always shown as text.
'use strict';

const token = document.querySelector('meta[name="rxbs-token"]').content;
const COLUMNS = ['ready', 'reserved', 'delayed', 'buried', 'urgent', 'waiting'];
const SVG = 'http://www.w3.org/2000/svg';
const sections = new Map(); // server index -> { section, facts, spark, body, rows }
let latest = { servers: [] };

/** Creates an element with attributes and children (strings become text nodes). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

const rate = (value) => (value >= 10 ? value.toFixed(0) : value.toFixed(1));

function duration(seconds) {
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds / 3600) % 24, m = Math.floor(seconds / 60) % 60;
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m ${seconds % 60}s`;
}

/** A small SVG line chart of the values, scaled to its own maximum. */
function sparkline(values, width = 120, height = 24) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const max = Math.max(1, ...values.map(Number));
  const step = width / Math.max(1, values.length - 1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 1 - (Number(v) / max) * (height - 2)).toFixed(1)}`);
  if (points.length > 1) {
    const area = document.createElementNS(SVG, 'polygon');
    area.setAttribute('points', `0,${height} ${points.join(' ')} ${((values.length - 1) * step).toFixed(1)},${height}`);
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', points.join(' '));
    svg.append(area, line);
  }
  const title = document.createElementNS(SVG, 'title');
  title.textContent = `last ${values.length} samples, max ${max}`;
  svg.append(title);
  return svg;
}

/** POSTs an action with the page's token; resolves with the JSON reply or rejects with its error. */
async function post(action, body) {
  const response = await fetch(`/api/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-rxbs-token': token },
    body: JSON.stringify(body),
  });
  const reply = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(reply.error || `HTTP ${response.status}`);
  return reply;
}

/** Runs an action and shows its outcome in the panel's message line. */
async function act(panel, action, body, describe) {
  panel.message.className = 'message';
  panel.message.textContent = '…';
  try {
    const reply = await post(action, body);
    panel.message.textContent = describe(reply);
    return reply;
  } catch (error) {
    return failed(panel, error);
  }
}

function failed(panel, error) {
  panel.message.className = 'message failed';
  panel.message.textContent = error.message;
  return undefined;
}

function showJob(panel, server, reply) {
  panel.job.replaceChildren();
  if (!reply) return;
  const job = reply.job;
  if (!job) {
    panel.job.append(el('p', {}, 'no such job'));
    return;
  }
  const stats = el('dl');
  for (const [key, value] of Object.entries(job.stats || {})) stats.append(el('dt', {}, key), el('dd', {}, String(value)));
  const kind = `${job.body.kind}, ${job.body.bytes} bytes${job.body.truncated ? ' (cut)' : ''}`;
  // Shows the job's fresh stats, leaving the message line to the action that came before.
  const again = () => post('peek-job', { server, id: job.id }).then((r) => showJob(panel, server, r), (e) => failed(panel, e));
  panel.job.append(
    el('div', { class: 'controls' },
      el('b', {}, `job ${job.id}`),
      el('span', {}, kind),
      el('button', { onclick: again }, 'job stats'),
      el('button', { onclick: () => act(panel, 'kick-job', { server, id: job.id }, () => `kicked job ${job.id}`).then(again) }, 'kick job'),
      el('button', { class: 'danger', onclick: () =>
        act(panel, 'delete', { server, id: job.id }, () => `deleted job ${job.id}`).then((r) => r && panel.job.replaceChildren()) }, 'delete job')),
    stats,
    el('pre', { class: 'body' }, job.body.text),
  );
}

/** The controls under a tube's row: peek, kick, pause, move buried, drain, and the job shown. */
function detailPanel(server, tube) {
  const panel = { message: el('div', { class: 'message' }), job: el('div', { class: 'job' }) };
  const number = (value) => el('input', { type: 'number', min: '0', value });
  const kickN = number('1'), pauseS = number('60'), moveTo = el('input', { placeholder: 'target tube' });
  const moveServer = el('select', {}, ...latest.servers.map((s) => el('option', { value: s.index }, s.url)));
  moveServer.value = String(server);
  const confirm = el('input', { placeholder: 'type the tube name', 'aria-label': 'confirm drain' });
  const drain = el('button', { class: 'danger', disabled: '' }, 'drain');
  confirm.addEventListener('input', () => (drain.disabled = confirm.value !== tube));
  const peek = (state) => el('button', { onclick: () =>
    act(panel, 'peek', { server, tube, state }, (r) => (r.job ? '' : `no ${state} job`)).then((r) => showJob(panel, server, r)) }, `peek ${state}`);
  drain.addEventListener('click', () =>
    act(panel, 'drain', { server, tube, confirm: confirm.value }, (r) => `deleted ${r.deleted} jobs`).then(() => (confirm.value = '', drain.disabled = true)));
  const controls = el('div', { class: 'controls' },
    peek('ready'), peek('delayed'), peek('buried'),
    el('label', {}, kickN,
      el('button', { onclick: () => act(panel, 'kick', { server, tube, n: Number(kickN.value) }, (r) => `kicked ${r.kicked}`) }, 'kick')),
    el('label', {}, pauseS, 's',
      el('button', { onclick: () => act(panel, 'pause', { server, tube, seconds: Number(pauseS.value) }, (r) => (r.paused ? `paused for ${r.paused} s` : 'unpaused')) }, 'pause')),
    el('label', {}, 'move buried to', moveTo, latest.servers.length > 1 ? moveServer : '',
      el('button', { onclick: () => act(panel, 'move', { server, tube, to: moveTo.value, toServer: Number(moveServer.value) },
        (r) => `moved ${r.moved}${r.duplicated ? `, ${r.duplicated} copied but taken meanwhile` : ''}`) }, 'move')),
    el('label', {}, confirm, drain),
  );
  return el('div', {}, controls, panel.message, panel.job);
}

function serverSection(server) {
  const facts = el('div', { class: 'facts' });
  const rows = new Map();
  const body = el('tbody');
  const jobId = el('input', { type: 'number', min: '1', placeholder: 'job id' });
  const lookup = { message: el('div', { class: 'message' }), job: el('div', { class: 'job' }) };
  const find = el('button', { onclick: () => act(lookup, 'peek-job', { server: server.index, id: Number(jobId.value) }, () => '').then((r) => showJob(lookup, server.index, r)) }, 'show job');
  const head = el('tr', {}, el('th', {}, 'tube'), ...COLUMNS.map((c) => el('th', {}, c)),
    el('th', {}, 'puts/s'), el('th', {}, 'deletes/s'), el('th', {}, 'jobs over time'), el('th', {}, 'paused'));
  const section = el('section', { class: 'server' }, el('h2', {}, server.url), facts,
    el('table', {}, el('thead', {}, head), body), el('div', { class: 'controls' }, jobId, find), lookup.message, lookup.job);
  document.getElementById('servers').append(section);
  return { section, facts, body, rows };
}

function tubeRow(entry, server, tube) {
  const cells = Object.fromEntries([...COLUMNS, 'puts', 'deletes', 'history', 'paused'].map((c) => [c, el('td', { class: c })]));
  const row = el('tr', { class: 'tube', 'data-tube': tube.name }, el('td', { class: 'name' }, tube.name), ...Object.values(cells));
  const item = { row, cells, detail: undefined };
  row.addEventListener('click', () => {
    if (item.detail) return void (item.detail.remove(), (item.detail = undefined));
    item.detail = el('tr', { class: 'detail', 'data-tube': tube.name }, el('td', { colspan: String(COLUMNS.length + 5) }, detailPanel(server, tube.name)));
    row.after(item.detail);
  });
  entry.rows.set(tube.name, item);
  return item;
}

function renderServer(server) {
  if (!sections.has(server.index)) sections.set(server.index, serverSection(server));
  const entry = sections.get(server.index);
  const s = server.stats, r = server.rates;
  const fact = (label, value) => el('span', {}, `${label} `, el('b', {}, String(value)));
  entry.facts.replaceChildren(
    ...(server.error ? [el('span', { class: 'error' }, server.error)] : []),
    ...(s ? [fact('beanstalkd', s.version), fact('up', duration(s.uptime)), fact('connections', s.currentConnections),
      fact('producers', s.currentProducers), fact('workers', s.currentWorkers), fact('waiting', s.currentWaiting),
      fact('jobs', s.currentJobsReady + s.currentJobsReserved + s.currentJobsDelayed + s.currentJobsBuried),
      ...(s.draining ? [el('span', { class: 'error' }, 'draining')] : [])] : []),
    ...(r ? [fact('puts/s', rate(r.puts)), fact('reserves/s', rate(r.reserves)), fact('deletes/s', rate(r.deletes)),
      sparkline(server.history.puts)] : []),
  );
  const seen = new Set();
  let previous = null;
  for (const tube of server.tubes) {
    seen.add(tube.name);
    const item = entry.rows.get(tube.name) || tubeRow(entry, server.index, tube);
    for (const c of COLUMNS) {
      item.cells[c].textContent = String(tube[c]);
      item.cells[c].classList.toggle('nonzero', tube[c] > 0);
    }
    item.cells.puts.textContent = rate(tube.rates.puts);
    item.cells.deletes.textContent = rate(tube.rates.deletes);
    item.cells.history.replaceChildren(sparkline(tube.history.jobs));
    item.cells.paused.textContent = tube.pauseTimeLeft > 0 ? `${tube.pauseTimeLeft} s` : '';
    // Keep rows in the server's (sorted) order, each detail panel right under its row.
    const anchor = previous ? (previous.detail || previous.row) : null;
    if (anchor ? anchor.nextSibling !== item.row : entry.body.firstChild !== item.row) {
      entry.body.insertBefore(item.row, anchor ? anchor.nextSibling : entry.body.firstChild);
      if (item.detail) item.row.after(item.detail);
    }
    previous = item;
  }
  for (const [name, item] of entry.rows) {
    if (seen.has(name)) continue;
    item.row.remove();
    if (item.detail) item.detail.remove();
    entry.rows.delete(name);
  }
}

const status = document.getElementById('status');
const events = new EventSource('/events');
events.addEventListener('snapshot', (event) => {
  latest = JSON.parse(event.data);
  latest.servers.forEach(renderServer);
  status.className = 'status live';
  status.textContent = `live, updated ${new Date(latest.time).toLocaleTimeString()}`;
});
events.addEventListener('error', () => {
  status.className = 'status';
  status.textContent = 'disconnected, retrying…';
});
