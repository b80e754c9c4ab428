// "Create Job": action, parameters, TTL, targets (things and groups), a rollout rate and one abort
// rule. Everything the browser can judge is checked before anything is posted; what only the grid
// can judge (an unknown thing, a limit) comes back as its error, shown in the form.

import { api } from './api.js';
import { parseParams, parseTtl, parseWhole, parsePercent } from './inputs.js';
import { TargetPicker } from './targets.js';

const $ = (id) => document.getElementById(id);

export class JobForm {
  constructor(onCreated) {
    this.onCreated = onCreated;
    this.targets = new TargetPicker();
    $('job-open').addEventListener('click', () => this.open());
    $('job-form-cancel').addEventListener('click', () => $('job').close());
    $('job-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    this.fields = {
      params: [$('job-params'), (text) => parseParams(text)],
      ttl: [$('job-ttl'), (text) => parseTtl(text)],
      maxPerMinute: [$('job-rate'), (text) => parseWhole(text, 'Max executions per minute must be a whole number, at least 1')],
      minExecutedThings: [$('job-abort-min'), (text) => parseWhole(text, 'Min executed things must be a whole number, at least 1')],
      thresholdPercent: [$('job-abort-percent'), (text) => parsePercent(text, 'Threshold % must be a number above 0 and at most 100')],
    };
    for (const [input, parse] of Object.values(this.fields)) {
      input.addEventListener('input', () => this.error(check(input, parse).error ?? null));
    }
  }

  async open() {
    this.error(null);
    $('job').showModal();
    $('job-action').focus();
    try {
      await this.targets.load();
    } catch (error) {
      this.error(`Could not read the things and groups: ${error.message}`);
    }
  }

  error(message) {
    $('job-form-error').textContent = message ?? '';
    $('job-form-error').hidden = !message;
  }

  /** The request body, or null after showing what is wrong. */
  body() {
    const values = {};
    for (const [name, [input, parse]] of Object.entries(this.fields)) {
      const parsed = check(input, parse);
      if (parsed.error) return this.fail(parsed.error);
      values[name] = parsed.value;
    }
    const action = $('job-action').value.trim();
    if (!action) return this.fail('Enter an action, e.g. setBrightness');
    if (this.targets.empty) return this.fail('Pick at least one thing or group to target');
    const failureType = $('job-abort-type').value;
    if (failureType && (values.minExecutedThings === undefined || values.thresholdPercent === undefined)) {
      return this.fail('An abort rule needs min executed things and a threshold %');
    }
    if (!failureType && (values.minExecutedThings !== undefined || values.thresholdPercent !== undefined)) {
      return this.fail('Pick the abort rule\'s failure type, or clear its numbers');
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

  fail(message) {
    this.error(message);
    return null;
  }

  async submit() {
    const body = this.body();
    if (!body) return;
    const button = $('job-submit');
    button.disabled = true;
    try {
      const created = await api('POST', '/jobs', body);
      $('job').close();
      $('job-form').reset();
      this.targets.reset();
      this.onCreated(created);
    } catch (error) {
      this.error(`Not created (${error.status || 'network'}): ${error.message}`);
    } finally {
      button.disabled = false;
    }
  }
}

function check(input, parse) {
  const parsed = parse(input.value);
  input.setAttribute('aria-invalid', String(Boolean(parsed.error)));
  return parsed;
}
