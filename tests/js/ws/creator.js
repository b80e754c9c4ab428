// Plays a user: node creator.js URL TOKEN DEVICE_ID COMMAND
// authenticates, inserts a command and prints the command/update the server pushes back.
'use strict';
const { connect, emit, ok } = require('./common');
const [url, token, deviceId, name] = process.argv.slice(2);

(async () => {
  const client = connect(url);
  await client.opened;
  await ok(client, { action: 'authenticate', token });
  client.onPush((message) => {
    if (message.action !== 'command/update') return;
    emit('update', { command: message.command, subscriptionId: message.subscriptionId ?? null });
    client.close();
  });
  const info = await ok(client, { action: 'server/info' });
  emit('info', { info: info.info });
  const bad = await client.request({ action: 'command/insert', deviceId: 'no-such-device-here', command: { command: name } });
  emit('error-reply', { code: bad.code, error: bad.error });
  const inserted = await ok(client, { action: 'command/insert', deviceId, command: { command: name, parameters: { speed: 3 }, lifetime: 60 } });
  emit('inserted', { command: inserted.command });
})();
