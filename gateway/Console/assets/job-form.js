// "Create Job": an action with parameters or a job document, TTL, in-progress timeout, targets (things
// and groups), a rollout rate, retries and one abort rule. Everything the browser can judge is checked before anything is posted; what only the grid
// can judge (an unknown thing, a limit) comes back as its error, shown in the form.

import { api } from './api.js';
import { FormDialog } from './form-dialog.js';
import { parseObject, parseParams, parseTtl, parseWhole, parsePercent } from './inputs.js';
import { TargetPicker } from './targets.js';

const $ = (id) => document.getElementById(id);

export class JobForm {
  constructor(onCreated) {
    this.onCreated = onCreated;
    this.targets = new TargetPicker();
    this.form = new FormDialog('job', {
      params: [$('job-params'), (text) => parseParams(text)],
      document: [$('job-document'), (text) => parseObject(text, 'The job document', '{"operation": "install"}')],
      ttl: [$('job-ttl'), (text) => parseTtl(text)],
      inProgress: [$('job-in-progress'), (text) => parseRange(text, 10080, 'The in-progress timeout must be a whole number of minutes from 1 to 10080')],
      numberOfRetries: [$('job-retry-count'), (text) => parseRange(text, 10, 'Number of retries must be a whole number from 1 to 10')],
      maxPerMinute: [$('job-rate'), (text) => parseWhole(text, 'Max executions per minute must be a whole number, at least 1')],
      minExecutedThings: [$('job-abort-min'), (text) => parseWhole(text, 'Min executed things must be a whole number, at least 1')],
      thresholdPercent: [$('job-abort-percent'), (text) => parsePercent(text, 'Threshold % must be a number above 0 and at most 100')],
    }, (values) => this.create(values), 'created', { error: 'job-form-error', cancel: 'job-form-cancel' });
    $('job-open').addEventListener('click', () => this.open());
  }

  async open() {
    this.form.open();
    $('job-action').focus();
    try {
      await this.targets.load();
    } catch (error) {
      this.form.error(`Could not read the things and groups: ${error.message}`);
    }
  }

  /** The request body from the parsed fields, or null after showing what is wrong. */
  body(values) {
    const action = $('job-action').value.trim() || undefined;
    if (!action && values.document === undefined) return this.form.fail('Enter an action, e.g. setBrightness, or a job document');
    if (values.document !== undefined && values.params !== undefined) return this.form.fail('A job takes a document or parameters, not both');
    if (this.targets.empty) return this.form.fail('Pick at least one thing or group to target');
    const failureType = $('job-abort-type').value;
    if (failureType && (values.minExecutedThings === undefined || values.thresholdPercent === undefined)) {
      return this.form.fail('An abort rule needs min executed things and a threshold %');
    }
    if (!failureType && (values.minExecutedThings !== undefined || values.thresholdPercent !== undefined)) {
      return this.form.fail('Pick the abort rule\'s failure type, or clear its numbers');
    }
    const retryType = $('job-retry-type').value;
    if (Boolean(retryType) !== (values.numberOfRetries !== undefined)) {
      return this.form.fail('Retries need both a failure type and a number of retries');
    }
    return {
      jobId: $('job-new-id').value.trim() || undefined,
      action,
      params: values.params,
      document: values.document,
      ttl: values.ttl,
      timeoutConfig: values.inProgress === undefined ? undefined : { inProgressTimeoutInMinutes: values.inProgress },
      retry: retryType ? { criteriaList: [{ failureType: retryType, numberOfRetries: values.numberOfRetries }] } : undefined,
      targets: this.targets.value(),
      rollout: values.maxPerMinute === undefined ? undefined : { maxPerMinute: values.maxPerMinute },
      abort: failureType ? [{ failureType, minExecutedThings: values.minExecutedThings, thresholdPercent: values.thresholdPercent }] : undefined,
    };
  }

  async create(values) {
    const body = this.body(values);
    if (!body) return false;
    const created = await api('POST', '/jobs', body);
    this.targets.reset();
    this.onCreated(created);
    return true;
  }
}

/** Empty means not given; otherwise a whole number from 1 to max. */
function parseRange(text, max, error) {
  const parsed = parseWhole(text, error);
  return parsed.value !== undefined && parsed.value > max ? { error } : parsed;
}
