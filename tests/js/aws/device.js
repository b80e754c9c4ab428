'use strict';
// A device written for AWS IoT with AWS's device SDK (its `device` class, as its examples use it), pointed at the grid:
// it logs in with its X.509 certificate, takes command requests on the Fleets topics and answers each SUCCEEDED.
// argv[2]: JSON {host, port, thing, caPath, certPath, keyPath}; every event leaves as a JSON line on stdout.
const awsIot = require('aws-iot-device-sdk');

const config = JSON.parse(process.argv[2]);
const emit = (event) => process.stdout.write(JSON.stringify(event) + '\n');
const requests = `$emqx/commands/things/${config.thing}/executions/+/request`;

const device = awsIot.device({
  host: config.host,
  port: config.port,
  clientId: config.thing,
  caPath: config.caPath,
  certPath: config.certPath,
  keyPath: config.keyPath,
});

device.on('connect', () => {
  emit({ event: 'connect' });
  device.subscribe(requests, { qos: 1 }, (err, granted) =>
    emit({ event: 'subscribed', error: err ? err.message : null, granted: (granted || []).map((g) => g.qos) }));
});
device.on('message', (topic, payload) => {
  const request = JSON.parse(payload.toString());
  const response = topic.replace(/\/request$/, '/response');
  device.publish(response, JSON.stringify({ status: 'SUCCEEDED', result: { by: 'aws-iot-device-sdk', action: request.action } }), { qos: 1 },
    (err) => emit({ event: 'answered', commandId: request.commandId, error: err ? err.message : null }));
});
device.on('error', (err) => emit({ event: 'error', message: err.message }));
device.on('close', () => emit({ event: 'close' }));
