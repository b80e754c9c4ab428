'use strict';
// TTL lateness: how long after its expiresAt does a pending execution become TIMED_OUT?
//   node ttl.js <httpPort> <jwtSecret>                      create, then measure
//   node ttl.js create <httpPort> <jwtSecret> > created.json   create only (run.sh restarts the silo in between)
//   node ttl.js measure <httpPort> <jwtSecret> < created.json  measure what an earlier create made
// Registers one thing (no device ever connects), creates COMMANDS (2000) pending executions with TTLs spread evenly
// over TTL_MIN..TTL_MAX seconds (10..40), waits until every one is TIMED_OUT, then reads each execution's history:
// lateness = at(TIMED_OUT history entry) - expiresAt, both written by the grid. Prints one JSON line.
const http = require('http');
const crypto = require('crypto');
const fs = require('fs');

const phase = ['create', 'measure'].includes(process.argv[2]) ? process.argv[2] : 'both';
const [httpPort, secret] = process.argv.slice(phase === 'both' ? 2 : 3);
const COMMANDS = +(process.env.COMMANDS || 2000);
const TTL_MIN = +(process.env.TTL_MIN || 10);
const TTL_MAX = +(process.env.TTL_MAX || 40);
const CONCURRENCY = +(process.env.CONCURRENCY || 20);
const GIVE_UP = +(process.env.GIVE_UP || 180) * 1000; // after the last expiresAt

function jwt(payload) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ payload })}`;
  return `${body}.${crypto.createHmac('sha256', secret).update(body).digest('base64url')}`;
}
const token = jwt({ u: 1, a: [0], n: ['*'], dt: ['*'], d: ['*'], e: Date.now() + 3600e3, t: 1 });
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const call = (method, path, body) => new Promise((resolve, reject) => {
  const data = body ? JSON.stringify(body) : undefined;
  const req = http.request({ host: '127.0.0.1', port: +httpPort, method, path, agent,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(data ? { 'Content-Length': Buffer.byteLength(data) } : {}) } }, (res) => {
    let text = '';
    res.on('data', (d) => { text += d; });
    res.on('end', () => (res.statusCode >= 300 ? reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`)) : resolve(text ? JSON.parse(text) : null)));
  });
  req.on('error', reject);
  req.end(data);
});
// Runs fn over items with at most CONCURRENCY calls in flight.
async function pool(items, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < items.length) { const i = next++; out[i] = await fn(items[i], i); }
  }));
  return out;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const q = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

async function create() {
  const thing = `ttl-${Date.now()}`;
  await call('PUT', `/api/v1/things/${thing}`, { name: thing });
  const t0 = Date.now();
  const ttls = Array.from({ length: COMMANDS }, (_, i) => TTL_MIN + Math.floor((i * (TTL_MAX - TTL_MIN + 1)) / COMMANDS));
  // Shuffle so that creation order and TTL are unrelated.
  for (let i = ttls.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [ttls[i], ttls[j]] = [ttls[j], ttls[i]]; }
  const created = await pool(ttls, (ttl, i) => call('POST', '/api/v1/commands', { thingId: thing, action: 'ttl', params: { i }, ttl }));
  return { createSeconds: (Date.now() - t0) / 1000, ids: created.map((c) => c.executionId), lastExpiry: Math.max(...created.map((c) => Date.parse(c.expiresAt))) };
}

async function measure({ createSeconds, ids, lastExpiry }) {
  await sleep(Math.max(0, lastExpiry - Date.now()) + 1000);
  const done = new Map();
  let other = 0;
  while (done.size < ids.length && Date.now() < lastExpiry + GIVE_UP) {
    const left = ids.filter((id) => !done.has(id));
    const got = await pool(left, (id) => call('GET', `/api/v1/commands/${id}`));
    for (const c of got) {
      if (c.status === 'TIMED_OUT') done.set(c.executionId, c);
      else if (c.status !== 'PENDING') other++;
    }
    if (done.size < ids.length) await sleep(2000);
  }
  const lateness = [...done.values()].map((c) => {
    const entry = c.history.find((h) => h.status === 'TIMED_OUT');
    return Date.parse(entry.at) - Date.parse(c.expiresAt);
  }).sort((a, b) => a - b);
  return {
    commands: ids.length, ttlSeconds: `${TTL_MIN}-${TTL_MAX}`, createSeconds: +createSeconds.toFixed(1),
    timedOut: done.size, notTimedOut: ids.length - done.size, otherStatus: other,
    latenessMs: lateness.length ? { min: lateness[0], p50: q(lateness, 0.5), p99: q(lateness, 0.99), max: lateness[lateness.length - 1] } : null,
  };
}

(async () => {
  if (phase === 'create') console.log(JSON.stringify(await create()));
  else if (phase === 'measure') console.log(JSON.stringify(await measure(JSON.parse(fs.readFileSync(0, 'utf8')))));
  else console.log(JSON.stringify(await measure(await create())));
  agent.destroy();
})().catch((e) => { console.error(e); process.exit(1); });
