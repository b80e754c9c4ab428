// Plays a DeviceHive device: node device.js URL TOKEN DEVICE_ID STATUS
// authenticates, subscribes to its own commands, answers the first one with STATUS and a result.
'use strict';
const { connect, emit, ok } = require('./common');
const [url, token, deviceId, status] = process.argv.slice(2);

(async () => {
  const client = connect(url);
  await client.opened;
  await ok(client, { action: 'authenticate', token });
  client.onPush(async (message) => {
    if (message.action !== 'command/insert') return;
    const command = message.command;
    emit('insert', { subscriptionId: message.subscriptionId, command });
    await ok(client, {
      action: 'command/update',
      deviceId,
      commandId: command.id,
      command: { status, result: { handledBy: 'node-ws', echo: command.parameters } },
    });
    emit('updated', { id: command.id });
    client.close();
  });
  const subscribed = await ok(client, { action: 'command/subscribe', deviceId });
  emit('subscribed', { subscriptionId: subscribed.subscriptionId });
})();
