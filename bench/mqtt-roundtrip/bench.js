'use strict';
// Request/response pairs per second with 100 MQTT.js devices, closed loop (one request in flight per device).
//   node bench.js mosquitto <mqttPort>                      baseline: a node "server" client relays through mosquitto
//   node bench.js grid <httpPort> <mqttPort> <jwtSecret> <deviceSecret>   CommandGrid: REST create -> MQTT request -> device answer -> accepted
// Env: DEVICES (100), WARMUP (5 s), DURATION (20 s), TARGET_PID (optional: the server's pid, to report its CPU).
// Prints one JSON line with the result, including the CPU used in the measured window by this load generator
// (genCpuPct, 100 = one core) and by the target process (targetCpuPct), and the 1-min load average at the end.
const path = require('path');
const http = require('http');
const crypto = require('crypto');
const mqtt = require(path.join(__dirname, '..', '..', 'tests', 'js', 'node_modules', 'mqtt'));

const [mode, ...args] = process.argv.slice(2);
const DEVICES = +(process.env.DEVICES || 100);
const WARMUP = +(process.env.WARMUP || 5) * 1000;
const DURATION = +(process.env.DURATION || 20) * 1000;
const root = '$emqx/commands/things/';
const connect = (url, opts) => new Promise((resolve, reject) => {
  const c = mqtt.connect(url, Object.assign({ protocolVersion: 5, reconnectPeriod: 0, keepalive: 60, clean: true }, opts));
  c.once('connect', () => resolve(c));
  c.once('error', reject);
});
const subscribe = (c, topic) => new Promise((res, rej) => c.subscribe(topic, { qos: 1 }, (e) => (e ? rej(e) : res())));

// Measurement: every completed pair records its latency; only pairs that complete inside the window count.
const latencies = [];
let measuring = false;
let stopped = false;
function completed(startedAt) {
  if (measuring) latencies.push(performance.now() - startedAt);
}
// CPU seconds (user + system) of a process, from /proc/<pid>/stat; NaN if unknown.
const fs = require('fs');
const os = require('os');
const TICKS = 100; // USER_HZ on Linux
function cpuOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (+f[11] + +f[12]) / TICKS; // utime, stime (fields 14, 15)
  } catch { return NaN; }
}
const TARGET_PID = process.env.TARGET_PID;
async function measure(drive) {
  drive();
  await new Promise((r) => setTimeout(r, WARMUP));
  measuring = true;
  const t0 = performance.now();
  const gen0 = process.cpuUsage();
  const target0 = TARGET_PID ? cpuOf(TARGET_PID) : NaN;
  await new Promise((r) => setTimeout(r, DURATION));
  measuring = false;
  stopped = true;
  const seconds = (performance.now() - t0) / 1000;
  const gen = process.cpuUsage(gen0);
  const genCpuPct = +((gen.user + gen.system) / 1e6 / seconds * 100).toFixed(1);
  const targetCpuPct = +((cpuOf(TARGET_PID) - target0) / seconds * 100).toFixed(1);
  const load1 = +os.loadavg()[0].toFixed(1);
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : NaN;
  return { pairs: latencies.length, seconds: +seconds.toFixed(2), pairsPerSecond: +(latencies.length / seconds).toFixed(1), p50ms: +q(0.5).toFixed(2), p99ms: +q(0.99).toFixed(2), genCpuPct, targetCpuPct, load1 };
}

async function devices(url, password, answer) {
  const list = [];
  for (let i = 0; i < DEVICES; i++) {
    const thing = `bench-${i}`;
    const c = await connect(url, { clientId: thing, username: thing, password });
    await subscribe(c, `${root}${thing}/executions/+/request`);
    if (answer.accepted) await subscribe(c, `${root}${thing}/executions/+/response/+`);
    c.on('message', (topic, payload) => answer(c, thing, topic, payload));
    list.push(c);
  }
  return list;
}

async function mosquittoBaseline(port) {
  const url = `mqtt://127.0.0.1:${port}`;
  // Devices answer each request at once on .../response.
  const answer = (c, thing, topic) => c.publish(topic.replace(/\/request$/, '/response'), '{"status":"SUCCEEDED","result":{}}', { qos: 1 });
  const fleet = await devices(url, undefined, answer);
  const server = await connect(url, { clientId: 'bench-server' });
  await subscribe(server, `${root}+/executions/+/response`);
  const pending = new Map();
  let next = 0;
  const send = (i) => {
    if (stopped) return;
    const id = ++next;
    pending.set(id, { i, at: performance.now() });
    server.publish(`${root}bench-${i}/executions/${id}/request`,
      JSON.stringify({ commandId: String(id), action: 'bench', params: {}, timestamp: Math.floor(Date.now() / 1000), ttl: 60 }), { qos: 1 });
  };
  server.on('message', (topic) => {
    const id = +topic.split('/')[5];
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    completed(p.at);
    send(p.i);
  });
  const result = await measure(() => { for (let i = 0; i < DEVICES; i++) send(i); });
  fleet.concat(server).forEach((c) => c.end(true));
  return result;
}

function jwt(secret, payload) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ payload })}`;
  return `${body}.${crypto.createHmac('sha256', secret).update(body).digest('base64url')}`;
}

async function grid(httpPort, mqttPort, secret, deviceSecret) {
  const token = jwt(secret, { u: 1, a: [0], n: ['*'], dt: ['*'], d: ['*'], e: Date.now() + 3600e3, t: 1 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: DEVICES });
  const call = (method, urlPath, body) => new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : undefined;
    const req = http.request({ host: '127.0.0.1', port: httpPort, method, path: urlPath, agent,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(data ? { 'Content-Length': Buffer.byteLength(data) } : {}) } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => (res.statusCode >= 300 ? reject(new Error(`${method} ${urlPath}: ${res.statusCode} ${text}`)) : resolve(text ? JSON.parse(text) : null)));
    });
    req.on('error', reject);
    req.end(data);
  });
  for (let i = 0; i < DEVICES; i++) await call('PUT', `/api/v1/things/bench-${i}`, { name: `bench-${i}` });
  // A pair ends when the device receives the grid's response/accepted: the execution is then SUCCEEDED and stored.
  const started = new Map();
  const send = (i) => {
    if (stopped) return;
    const at = performance.now();
    call('POST', '/api/v1/commands', { thingId: `bench-${i}`, action: 'bench', params: {}, ttl: 60 })
      .then((created) => started.set(created.executionId, { i, at }))
      .catch((e) => { if (stopped) return; console.error(e.message); setTimeout(() => send(i), 100); });
  };
  const answer = (c, thing, topic) => {
    const parts = topic.split('/');
    const id = parts[5];
    if (parts[6] === 'request') {
      c.publish(`${root}${thing}/executions/${id}/response`, '{"status":"SUCCEEDED","result":{}}', { qos: 1 });
    } else if (parts[7] === 'accepted') {
      const s = started.get(id);
      // The reply can outrun the POST's own response; wait for it in that case.
      const finish = () => { const t = started.get(id); if (!t) return setImmediate(finish); started.delete(id); completed(t.at); send(t.i); };
      if (s) { started.delete(id); completed(s.at); send(s.i); } else finish();
    }
  };
  answer.accepted = true;
  const fleet = await devices(`mqtt://127.0.0.1:${mqttPort}`, deviceSecret, answer);
  const result = await measure(() => { for (let i = 0; i < DEVICES; i++) send(i); });
  fleet.forEach((c) => c.end(true));
  agent.destroy();
  return result;
}

(async () => {
  const result = mode === 'mosquitto' ? await mosquittoBaseline(+args[0]) : await grid(+args[0], +args[1], args[2], args[3]);
  console.log(JSON.stringify(Object.assign({ target: mode, devices: DEVICES }, result)));
  setTimeout(() => process.exit(0), 200);
})().catch((e) => { console.error(e); process.exit(1); });
