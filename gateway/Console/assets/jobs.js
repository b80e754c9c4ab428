// The Jobs tab: the jobs, newest first (GET /api/v1/jobs, "More" for older ones), each with a progress
// bar that fills while its devices answer. Jobs still running are re-read a few times a second; a final
// job is not asked again. A job made elsewhere shows up when its first execution is pushed.

import { api, query, formatTime, el } from './api.js';
import { CursorList } from './pages.js';
import { Poller } from './poll.js';
import { progressBar, tally } from './progress.js';
import { isFinalJob, statusBadge } from './status.js';

const $ = (id) => document.getElementById(id);
const PAGE_SIZE = 20;
// At most this many jobs are re-read per round, those read longest ago first.
const MAX_POLLED = 10;

export class JobsView {
  constructor(showError) {
    this.showError = showError;
    this.active = false;
    this.polledAt = new Map();
    this.heard = new Set();
    this.list = new CursorList({
      fetchPage: (cursor, limit) => api('GET', '/jobs' + query({ limit, cursor })),
      more: $('jobs-more'),
      render: () => this.render(),
      pageSize: () => PAGE_SIZE,
      onError: (error) => this.showError(`Listing jobs failed: ${error.message}`),
    });
    this.poller = new Poller(() => this.poll());
  }

  async load() {
    this.active = true;
    await this.list.reset();
  }

  leave() {
    this.active = false;
    this.poller.stop();
  }

  render() {
    const jobs = this.list.items;
    $('jobs-body').replaceChildren(...jobs.map((job) => row(job)));
    $('jobs-empty').hidden = jobs.length > 0;
    if (this.active && jobs.some((job) => !isFinalJob(job))) this.poller.start();
  }

  /** A job just created from the form: first in the list, watched from now on. */
  add(job) {
    this.list.items = [job, ...this.list.items.filter((shown) => shown.jobId !== job.jobId)];
    this.render();
    $('jobs-body').querySelector(`tr[data-job-id="${CSS.escape(job.jobId)}"]`)?.classList.add('flash');
  }

  /**
   * A pushed command: the first execution of a job not listed yet brings the newest jobs in. Once per
   * job, so a large job that is not on the list (an old one, further down) costs one read, not one per execution.
   */
  onPush(kind, command) {
    if (!this.active || kind !== 'insert' || !command.jobId || this.heard.has(command.jobId)) return;
    this.heard.add(command.jobId);
    if (this.list.items.some((job) => job.jobId === command.jobId)) return;
    this.list.refresh();
  }

  async poll() {
    const open = this.list.items.filter((job) => !isFinalJob(job))
      .sort((a, b) => (this.polledAt.get(a.jobId) ?? 0) - (this.polledAt.get(b.jobId) ?? 0))
      .slice(0, MAX_POLLED);
    const now = Date.now();
    for (const job of open) this.polledAt.set(job.jobId, now);
    try {
      const read = await Promise.all(open.map((job) => api('GET', `/jobs/${encodeURIComponent(job.jobId)}`)));
      for (const job of read) this.update(job);
    } catch (error) {
      this.showError(`Reading the jobs' progress failed: ${error.message}`);
      throw error;
    }
    return this.list.items.some((job) => !isFinalJob(job));
  }

  update(job) {
    const index = this.list.items.findIndex((shown) => shown.jobId === job.jobId);
    if (index < 0) return;
    this.list.items[index] = job;
    const old = $('jobs-body').querySelector(`tr[data-job-id="${CSS.escape(job.jobId)}"]`);
    old?.replaceWith(row(job));
  }
}

function row(job) {
  const { ended, of } = tally(job);
  const href = `#/jobs/${encodeURIComponent(job.jobId)}`;
  return el('tr', { dataset: { jobId: job.jobId, status: job.status } },
    el('td', { dataset: { label: 'Job ID' } }, el('a', { href, class: 'id-link' }, job.jobId)),
    el('td', { dataset: { label: 'Action' }, title: job.action }, job.action),
    el('td', { dataset: { label: 'Status' } }, statusBadge(job.status)),
    el('td', { dataset: { label: 'Progress' }, class: 'progress-cell' },
      el('div', { class: 'progress-line' }, progressBar(job), el('small', { class: 'ratio' }, `${ended}/${of}`))),
    el('td', { dataset: { label: 'Created At' }, title: job.createdAt }, formatTime(job.createdAt)));
}
