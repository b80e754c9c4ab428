'use strict';
// A device written for AWS IoT Jobs with AWS's device SDK (its `jobs` class, unchanged, as its jobs example uses it),
// pointed at the grid: it logs in with its X.509 certificate, subscribes to its jobs for one operation, asks for the
// next one, and runs each: IN_PROGRESS with details, then SUCCEEDED.
// argv[2]: JSON {host, port, thing, operation, caPath, certPath, keyPath}; every event leaves as a JSON line on stdout.
const awsIot = require('aws-iot-device-sdk');

const config = JSON.parse(process.argv[2]);
const emit = (event) => process.stdout.write(JSON.stringify(event) + '\n');

const jobs = awsIot.jobs({
  host: config.host,
  port: config.port,
  clientId: config.thing,
  caPath: config.caPath,
  certPath: config.certPath,
  keyPath: config.keyPath,
});

jobs.subscribeToJobs(config.thing, config.operation, (err, job) => {
  if (err) {
    emit({ event: 'error', message: err.message });
    return;
  }
  emit({ event: 'job', jobId: job.id, operation: job.operation, status: job.status.status, document: job.document });
  job.inProgress({ step: 'installing' }, (progressError) => {
    emit({ event: 'inProgress', jobId: job.id, error: progressError ? progressError.message : null });
    job.succeeded({ step: 'done' }, (doneError) =>
      emit({ event: 'succeeded', jobId: job.id, error: doneError ? doneError.message : null }));
  });
});

jobs.on('connect', () => {
  emit({ event: 'connect' });
  jobs.startJobNotifications(config.thing, (err) => emit({ event: 'started', error: err ? err.message : null }));
});
jobs.on('error', (err) => emit({ event: 'error', message: err.message }));
jobs.on('close', () => emit({ event: 'close' }));
