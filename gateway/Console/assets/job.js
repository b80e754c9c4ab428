// A job's page (#/jobs/{id}): its progress and counts, definition, rollout, abort rules, status and
// times, its executions (filtered by status, "More" for the next page) and Cancel. While the job runs
// it is re-read a few times a second; when its counts move, or the list shows fewer executions than the
// counts say exist (a first read that raced their creation, or failed), the executions shown are re-read too.

import { api, query, formatTime, el } from './api.js';
import { CursorList } from './pages.js';
import { Poller } from './poll.js';
import { progressBar, legend } from './progress.js';
import { STATUSES, isFinalJob, statusBadge } from './status.js';

const $ = (id) => document.getElementById(id);

export class JobPage {
  /** @param {(executionId: string) => void} openExecution shows one execution in full */
  constructor(showError, openExecution) {
    this.showError = showError;
    this.openExecution = openExecution;
    this.job = null;
    this.jobId = null;
    this.active = false;
    this.executions = new CursorList({
      fetchPage: (cursor, limit) => api('GET', `/jobs/${encodeURIComponent(this.jobId)}/executions`
        + query({ status: $('job-executions-status').value, limit, cursor })),
      more: $('job-executions-more'),
      render: (items) => this.renderExecutions(items),
      pageSize: () => Number($('job-executions-limit').value),
      onError: (error) => this.error(`Listing the executions failed: ${error.message}`),
    });
    this.poller = new Poller(() => this.poll());
    $('job-executions-status').append(...STATUSES.map((status) => el('option', {}, status)));
    $('job-executions-filters').addEventListener('change', () => this.executions.reset());
    $('job-executions-filters').addEventListener('submit', (event) => event.preventDefault());
    $('job-cancel-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.cancel();
    });
  }

  async load(jobId) {
    this.active = true;
    if (jobId !== this.jobId) {
      this.jobId = jobId;
      this.job = null;
      $('job-executions-body').replaceChildren();
      $('job-fields').replaceChildren();
      $('job-progress').replaceChildren();
      $('job-cancel-form').hidden = true;
      $('job-cancel-force').checked = false;
    }
    this.error(null);
    $('job-title').textContent = `Job ${jobId}`;
    try {
      this.render(await api('GET', `/jobs/${encodeURIComponent(jobId)}`));
    } catch (error) {
      this.error(`Reading job ${jobId} failed: ${error.message}`);
      // The poller tries again (backing off while it fails), so one failed read does not leave the page stale.
      if (this.active) this.poller.start();
      return;
    }
    await this.executions.reset();
    if (this.active && !isFinalJob(this.job)) this.poller.start();
  }

  leave() {
    this.active = false;
    this.poller.stop();
  }

  error(message) {
    $('job-error').textContent = message ?? '';
    $('job-error').hidden = !message;
  }

  async poll() {
    const jobId = this.jobId;
    const job = await api('GET', `/jobs/${encodeURIComponent(jobId)}`);
    if (jobId !== this.jobId) return false;
    const moved = JSON.stringify(job.counts) !== JSON.stringify(this.job?.counts) || job.status !== this.job?.status;
    this.error(null);
    this.render(job);
    if (moved || this.listedTooFew(job)) await this.executions.refresh();
    return !isFinalJob(job);
  }

  /** Whether the list, complete (no "More"), shows fewer executions than the job counts for its filter. */
  listedTooFew(job) {
    const status = $('job-executions-status').value;
    const counted = status ? (job.counts?.[status] ?? 0) : job.created;
    return !this.executions.nextCursor && this.executions.items.length < counted;
  }

  render(job) {
    this.job = job;
    $('job-progress').replaceChildren(progressBar(job), legend(job));
    const field = (name, value) => [el('dt', {}, name), el('dd', { dataset: { field: name } }, value ?? '—')];
    const targets = [
      ...(job.targets?.thingIds ?? []).map((id) => `thing ${id}`),
      ...(job.targets?.groups ?? []).map((group) => el('a', { href: `#/groups/${encodeURIComponent(group)}` }, `group ${group}`)),
    ];
    $('job-fields').replaceChildren(
      ...field('Status', statusBadge(job.status)),
      ...(job.abortReason ? field('Abort reason', job.abortReason) : []),
      ...(job.abortRule ? field('Rule that fired', abortRule(job.abortRule)) : []),
      ...(job.name ? field('Name', job.name) : []),
      ...(job.description ? field('Description', job.description) : []),
      ...field('Action', job.action),
      ...field('Parameters', el('code', {}, JSON.stringify(job.params ?? {}))),
      ...field('Document', el('code', {}, JSON.stringify(job.document ?? {}))),
      ...field('TTL', job.ttl === null || job.ttl === undefined ? 'grid default' : `${job.ttl} s`),
      ...field('In-progress timeout', job.timeoutConfig ? `${job.timeoutConfig.inProgressTimeoutInMinutes} min` : 'the TTL bounds it'),
      ...field('Retries', job.retry?.criteriaList?.length
        ? job.retry.criteriaList.map((r) => `${r.numberOfRetries} after ${r.failureType}`).join(', ') : 'none'),
      ...field('Targets', el('span', { class: 'target-list' }, ...targets.flatMap((target, i) => (i ? [', ', target] : [target])))),
      ...field('Targeted', String(job.targeted)),
      ...field('Created', `${job.created} execution${job.created === 1 ? '' : 's'}`),
      ...field('Rollout', rollout(job)),
      ...field('Abort rules', job.abort?.length ? el('ul', { class: 'rules' }, ...job.abort.map((rule) => el('li', {}, abortRule(rule)))) : 'none'),
      ...(job.schedule ? field('Schedule', `${formatTime(job.schedule.startAt) || 'now'} → ${formatTime(job.schedule.endAt) || 'open'}`) : []),
      ...(job.continuous ? field('Continuous', 'yes: things joining a target group get an execution too') : []),
      ...field('Created At', formatTime(job.createdAt)),
      ...field('Started At', formatTime(job.startedAt) || null),
      ...field('Completed At', formatTime(job.completedAt) || null),
      ...field('User', String(job.userId)));
    $('job-cancel-form').hidden = isFinalJob(job);
  }

  renderExecutions(items) {
    $('job-executions-body').replaceChildren(...items.map((execution) => el('tr', { dataset: { executionId: execution.executionId } },
      el('td', { dataset: { label: 'Execution ID' } },
        el('button', { type: 'button', class: 'id-link', onclick: () => this.openExecution(execution.executionId) }, execution.executionId)),
      el('td', { dataset: { label: 'Thing' }, title: execution.thingId }, execution.thingId),
      el('td', { dataset: { label: 'Execution number' }, class: 'execution-number' }, String(execution.executionNumber)),
      el('td', { dataset: { label: 'Status' } }, statusBadge(execution.status)),
      el('td', { dataset: { label: 'Details' }, class: 'status-details' },
        Object.entries(execution.statusDetails ?? {}).map(([name, value]) => `${name}: ${value}`).join(', ')),
      el('td', { dataset: { label: 'Version' }, class: 'version' }, String(execution.versionNumber)),
      el('td', { dataset: { label: 'Updated At' }, title: execution.updatedAt }, formatTime(execution.updatedAt)))));
    $('job-executions-empty').hidden = items.length > 0;
  }

  async cancel() {
    const jobId = this.jobId;
    const button = $('job-cancel');
    button.disabled = true;
    this.error(null);
    try {
      const job = await api('POST', `/jobs/${encodeURIComponent(jobId)}/cancel`, { force: $('job-cancel-force').checked });
      if (jobId !== this.jobId) return;
      this.render(job);
      await this.executions.refresh();
    } catch (error) {
      this.error(`Cancel failed (${error.status || 'network'}): ${error.message}`);
    } finally {
      button.disabled = false;
    }
  }
}

function rollout(job) {
  const r = job.rollout;
  const now = job.rolloutRatePerMinute ? ` (now ${job.rolloutRatePerMinute} per minute)` : '';
  if (r?.maxPerMinute) return `at most ${r.maxPerMinute} per minute`;
  if (r?.exponential) {
    const e = r.exponential;
    const criteria = e.rateIncreaseCriteria?.numberOfSucceededThings
      ? `${e.rateIncreaseCriteria.numberOfSucceededThings} succeeded`
      : `${e.rateIncreaseCriteria?.numberOfNotifiedThings} notified`;
    return `from ${e.baseRatePerMinute} per minute, ×${e.incrementFactor} every ${criteria}${now}`;
  }
  return 'as fast as the grid takes them';
}

function abortRule(rule) {
  return `${rule.failureType} ≥ ${rule.thresholdPercent}% once ${rule.minExecutedThings} have ended`;
}
