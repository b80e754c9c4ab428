// Shared by the ws-driven scripts: a DeviceHive WebSocket connection that prints JSON lines
// the xunit suite reads, and a request helper that resolves with the reply to its requestId.
'use strict';
const WebSocket = require('ws');

function emit(event, data) {
  process.stdout.write(JSON.stringify({ event, ...data }) + '\n');
}

function connect(url) {
  const socket = new WebSocket(url);
  const pending = new Map();
  const pushHandlers = [];
  let next = 0;
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (message.requestId !== undefined && pending.has(message.requestId)) {
      const resolve = pending.get(message.requestId);
      pending.delete(message.requestId);
      resolve(message);
    } else {
      for (const handler of pushHandlers) handler(message);
    }
  });
  socket.on('error', (error) => { emit('error', { message: String(error) }); process.exit(2); });
  return {
    opened: new Promise((resolve) => socket.once('open', resolve)),
    request(message) {
      const requestId = `js-${++next}`;
      return new Promise((resolve) => {
        pending.set(requestId, resolve);
        socket.send(JSON.stringify({ ...message, requestId }));
      });
    },
    onPush(handler) { pushHandlers.push(handler); },
    close() { socket.close(1000, 'done'); },
  };
}

async function ok(client, message) {
  const reply = await client.request(message);
  if (reply.status !== 'success') {
    emit('failed', { request: message.action, reply });
    process.exit(1);
  }
  return reply;
}

setTimeout(() => { emit('timeout', {}); process.exit(3); }, 30000).unref();

module.exports = { connect, emit, ok };
