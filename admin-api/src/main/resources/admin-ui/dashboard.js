// The live sale dashboard: polls GET /api/v1/activities every 3 s and GET /api/v1/activities/{id}/live
// every second with the operator's bearer token (kept in sessionStorage, never in the URL), and runs
// start/pause/resume/stop/restock/reconcile after a confirmation. Text from the API is only ever set
// with textContent.
'use strict';

const TOKEN_KEY = 'coupon-admin-token';
const OPS = {
  start: 'Start', pause: 'Pause', resume: 'Resume', stop: 'Stop for good', restock: 'Restock', reconcile: 'Reconcile',
};
const $ = (id) => document.getElementById(id);
let selected = null;
let activitiesById = new Map();

function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }

async function api(method, path, body) {
  const headers = { 'Authorization': 'Bearer ' + token() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let json = null;
  try { json = await r.json(); } catch (e) { /* not JSON */ }
  if (!r.ok) {
    const msg = json && json.message ? json.message : r.status + ' ' + r.statusText;
    const err = new Error(msg);
    err.status = r.status;
    throw err;
  }
  return json;
}

function fmt(n, digits) {
  if (n === null || n === undefined) return '-';
  return Number(n).toLocaleString('en-US', { maximumFractionDigits: digits || 0, minimumFractionDigits: digits || 0 });
}

function setText(id, text) { $(id).textContent = text; }

function setStatus(el, status) {
  el.textContent = status;
  el.className = 'status ' + status;
}

async function refreshList() {
  try {
    const page = await api('GET', '/api/v1/activities?page_size=50');
    activitiesById = new Map(page.activities.map((a) => [a.id, a]));
    const body = $('activities').tBodies[0];
    body.replaceChildren();
    for (const a of page.activities) {
      const tr = document.createElement('tr');
      tr.dataset.id = a.id;
      if (a.id === selected) tr.classList.add('selected');
      const status = document.createElement('span');
      setStatus(status, a.status);
      for (const cell of [String(a.id), a.name, status, fmt(a.total_count)]) {
        const td = document.createElement('td');
        if (typeof cell === 'string') td.textContent = cell; else td.appendChild(cell);
        tr.appendChild(td);
      }
      tr.addEventListener('click', () => select(a.id));
      body.appendChild(tr);
    }
    setText('list-state', page.activities.length ? '' : '(none yet)');
  } catch (e) {
    setText('list-state', '(' + e.message + ')');
  }
}

function select(id) {
  selected = id;
  for (const tr of $('activities').tBodies[0].rows) tr.classList.toggle('selected', Number(tr.dataset.id) === id);
  $('live-body').hidden = false;
  setText('message', '');
  refreshLive();
}

function renderLive(live) {
  const a = live.activity;
  setText('live-title', 'Activity ' + a.id + ': ' + a.name);
  setStatus($('live-status'), a.status);
  setText('live-window', a.start_time + ' - ' + a.end_time);
  setText('live-updated', new Date(live.at).toLocaleTimeString('en-GB'));
  setText('live-remaining', fmt(live.remaining));
  setText('live-total', fmt(live.total));
  setText('live-granted', fmt(live.granted));
  setText('live-materialized', fmt(live.materialized));
  setText('live-lag', fmt(live.lag));
  setText('live-grants-rate', fmt(live.grants_per_second, 1));
  setText('live-grants-window', fmt(live.grants_window_seconds, 1));
  const p = live.process;
  setText('live-p99', p && p.p99_ms !== null ? (p.p99_above ? '> ' : '') + fmt(p.p99_ms, 1) : '-');
  setText('rej-window', p ? fmt(p.window_seconds, 1) : '-');
  const rows = $('rejections').tBodies[0];
  rows.replaceChildren();
  if (p) {
    // Reasons seen in the window first, busiest first; the quiet ones greyed below.
    const reasons = Object.entries(p.rejections_per_second).sort((x, y) => y[1] - x[1]);
    for (const [reason, perSecond] of reasons) {
      const tr = document.createElement('tr');
      tr.dataset.reason = reason;
      if (!p.rejections[reason]) tr.className = 'muted';
      for (const text of [reason, fmt(perSecond, 1), fmt(p.rejections[reason])]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.appendChild(td);
      }
      rows.appendChild(tr);
    }
  }
  const rec = live.reconciliation;
  const problems = $('recon-problems');
  problems.replaceChildren();
  if (!rec) {
    $('recon-status').className = 'muted';
    setText('recon-status', 'not run yet');
  } else {
    $('recon-status').className = rec.complete ? 'ok' : 'bad';
    setText('recon-status', (rec.complete ? 'complete' : 'NOT complete') + (rec.stock_balanced ? ', stock balanced' : ', STOCK NOT BALANCED')
      + ' - ledger ' + fmt(rec.ledger_size) + ', rows ' + fmt(rec.rows) + ' - ran ' + new Date(rec.ran_at).toLocaleTimeString('en-GB'));
    for (const text of rec.problems) {
      const li = document.createElement('li');
      li.textContent = text;
      problems.appendChild(li);
    }
  }
  const st = a.status;
  $('op-start').disabled = st !== 'PENDING';
  $('op-pause').disabled = st !== 'ACTIVE';
  $('op-resume').disabled = st !== 'PAUSED';
  $('op-stop').disabled = st !== 'ACTIVE' && st !== 'PAUSED';
  $('op-restock').disabled = st !== 'ACTIVE' && st !== 'PAUSED';
  $('op-reconcile').disabled = st === 'PENDING';
}

async function refreshLive() {
  if (selected === null) return;
  const id = selected;
  try {
    const live = await api('GET', '/api/v1/activities/' + id + '/live');
    if (id === selected) renderLive(live);
  } catch (e) {
    if (id === selected) setText('live-updated', 'failed: ' + e.message);
  }
}

function confirmOp(text) {
  return new Promise((resolve) => {
    const dialog = $('confirm');
    setText('confirm-text', text);
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

async function runOp(op) {
  if (selected === null) return;
  const a = activitiesById.get(selected);
  const name = a ? ' (' + a.name + ')' : '';
  let body;
  let what = OPS[op] + ' activity ' + selected + name;
  if (op === 'restock') {
    const amount = Number($('restock-amount').value);
    body = { amount };
    what += ': add ' + fmt(amount) + ' coupons';
  }
  if (!(await confirmOp(what + '?'))) {
    setText('message', 'cancelled');
    $('message').className = 'muted';
    return;
  }
  try {
    await api('POST', '/api/v1/activities/' + selected + '/' + op, body);
    setText('message', OPS[op] + ': done');
    $('message').className = 'ok';
  } catch (e) {
    setText('message', OPS[op] + ' refused: ' + e.message);
    $('message').className = 'bad';
  }
  refreshLive();
  refreshList();
}

function loop(fn, ms) {
  const tick = async () => { await fn(); setTimeout(tick, ms); };
  tick();
}

$('token').value = token();
$('token-save').addEventListener('click', () => {
  sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
  refreshList();
  refreshLive();
});
for (const b of document.querySelectorAll('button[data-op]')) b.addEventListener('click', () => runOp(b.dataset.op));
loop(refreshList, 3000);
loop(refreshLive, 1000);
