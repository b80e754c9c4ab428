// "Create Job": action, parameters, TTL, targets (things and groups), a rollout rate and one abort
// rule. Everything the browser can judge is checked before anything is posted; what only the grid
// can judge (an unknown thing, a limit) comes back as its error, shown in the form.

import { api } from './api.js';
import { FormDialog } from './form-dialog.js';
import { parseParams, parseTtl, parseWhole, parsePercent } from './inputs.js';
import { TargetPicker } from './targets.js';

const $ = (id) => document.getElementById(id);

export class JobForm {
  constructor(onCreated) {
    this.onCreated = onCreated;
    this.targets = new TargetPicker();
    this.form = new FormDialog('job', {
      params: [$('job-params'), (text) => parseParams(text)],
      ttl: [$('job-ttl'), (text) => parseTtl(text)],
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
    const action = $('job-action').value.trim();
    if (!action) return this.form.fail('Enter an action, e.g. setBrightness');
    if (this.targets.empty) return this.form.fail('Pick at least one thing or group to target');
    const failureType = $('job-abort-type').value;
    if (failureType && (values.minExecutedThings === undefined || values.thresholdPercent === undefined)) {
      return this.form.fail('An abort rule needs min executed things and a threshold %');
    }
    if (!failureType && (values.minExecutedThings !== undefined || values.thresholdPercent !== undefined)) {
      return this.form.fail('Pick the abort rule\'s failure type, or clear its numbers');
    }
    return {
      jobId: $('job-new-id').value.trim() || undefined,
      action,
      params: values.params,
      ttl: values.ttl,
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
