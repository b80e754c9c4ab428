'use strict';
// Drives MQTT.js for the xunit MQTT suites.
// argv[2]: JSON {url, options}; commands arrive as JSON lines on stdin; every event leaves as a JSON line on stdout.
const mqtt = require('mqtt');
const readline = require('readline');

const config = JSON.parse(process.argv[2]);
const emit = (event) => process.stdout.write(JSON.stringify(event) + '\n');
const options = Object.assign({ reconnectPeriod: 0, connectTimeout: 10000 }, config.options);
if (options.properties && options.properties.correlationData) {
  options.properties.correlationData = Buffer.from(options.properties.correlationData);
}

const client = mqtt.connect(config.url, options);
client.on('connect', (connack) => emit({
  event: 'connect',
  sessionPresent: !!connack.sessionPresent,
  reasonCode: connack.reasonCode ?? connack.returnCode ?? 0,
  properties: connack.properties || null,
}));
client.on('error', (err) => emit({ event: 'error', message: err.message, code: err.code ?? null }));
client.on('message', (topic, payload, packet) => emit({
  event: 'message',
  topic,
  payload: payload.toString(),
  qos: packet.qos,
  dup: !!packet.dup,
  properties: packet.properties
    ? Object.assign({}, packet.properties, packet.properties.correlationData
      ? { correlationData: packet.properties.correlationData.toString() } : {})
    : null,
}));
client.on('disconnect', (packet) => emit({ event: 'disconnect', reasonCode: packet.reasonCode ?? 0 }));
client.on('close', () => emit({ event: 'close' }));

const done = (id, event) => (err, result) => emit(Object.assign({ event, id, error: err ? err.message : null, code: err && err.code !== undefined ? err.code : null }, result));

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line);
  switch (cmd.op) {
    case 'subscribe':
      // A refused filter fails the call; the SUBACK codes then ride on the error's packet.
      client.subscribe(cmd.topic, { qos: cmd.qos ?? 0 }, (err, granted) =>
        done(cmd.id, 'subscribed')(err, {
          granted: err && err.packet && err.packet.granted ? err.packet.granted : (granted || []).map((g) => g.qos),
        }));
      break;
    case 'unsubscribe':
      client.unsubscribe(cmd.topic, (err) => done(cmd.id, 'unsubscribed')(err, {}));
      break;
    case 'publish': {
      const properties = cmd.properties ? Object.assign({}, cmd.properties) : undefined;
      if (properties && properties.correlationData) properties.correlationData = Buffer.from(properties.correlationData);
      client.publish(cmd.topic, cmd.payload, { qos: cmd.qos ?? 0, properties }, (err) => done(cmd.id, 'published')(err, {}));
      break;
    }
    case 'end':
      client.end(false, {}, () => { emit({ event: 'ended' }); process.exit(0); });
      break;
    case 'kill':
      // Vanish without DISCONNECT, as a device losing power would.
      client.stream.destroy();
      break;
    default:
      emit({ event: 'error', message: 'unknown op ' + cmd.op });
  }
}).on('close', () => process.exit(0));
