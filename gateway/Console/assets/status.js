// Statuses as the grid spells them: which ones end an execution or a job, and their badge.

import { el } from './api.js';

/** Every status an execution can have, in lifecycle order. */
export const STATUSES = ['PENDING', 'SENT', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED', 'TIMED_OUT', 'CANCELED'];

/** An execution in one of these never changes again. */
export const FINAL = new Set(['SUCCEEDED', 'FAILED', 'REJECTED', 'TIMED_OUT', 'CANCELED']);

const FINAL_JOB = new Set(['COMPLETED', 'CANCELED', 'ABORTED']);

export function isFinalJob(job) {
  return FINAL_JOB.has(job.status);
}

export function statusBadge(status) {
  return el('span', { class: 'status', dataset: { status } }, status);
}
