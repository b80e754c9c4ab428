// A job's progress: its executions' counts by status as coloured segments of the things it targets.
// Final statuses come first (left), then those still open, so the bar fills from the left as devices
// answer; it is full once every targeted thing's execution has ended.

import { el } from './api.js';
import { FINAL, STATUSES } from './status.js';

// Ended first, then the open ones from the furthest along: the bar fills from the left.
const ORDER = [...STATUSES.filter((s) => FINAL.has(s)), ...STATUSES.filter((s) => !FINAL.has(s)).reverse()];

/** The job's counts in bar order, statuses the console does not know last, and how many have ended. */
export function tally(job) {
  const counts = Object.entries(job.counts ?? {}).filter(([, n]) => n > 0);
  const rank = (status) => (ORDER.includes(status) ? ORDER.indexOf(status) : ORDER.length);
  counts.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  const total = counts.reduce((sum, [, n]) => sum + n, 0);
  const ended = counts.reduce((sum, [status, n]) => sum + (FINAL.has(status) ? n : 0), 0);
  // A continuous job can make more executions than it targeted at the start; the bar never overflows.
  const of = Math.max(job.targeted ?? 0, total);
  return { counts, ended, of };
}

export function progressBar(job) {
  const { counts, ended, of } = tally(job);
  const summary = `${ended} of ${of} ended` + counts.map(([status, n]) => ` · ${n} ${status}`).join('');
  const segments = counts.map(([status, n]) => {
    // The width through the CSSOM: the console's policy refuses inline style attributes.
    const segment = el('span', { class: 'segment', dataset: { status, count: String(n) }, title: `${n} ${status}` });
    segment.style.width = `${(100 * n) / Math.max(of, 1)}%`;
    return segment;
  });
  return el('div', {
    class: 'progress',
    role: 'progressbar',
    'aria-label': summary,
    'aria-valuemin': '0',
    'aria-valuemax': String(of),
    'aria-valuenow': String(ended),
    title: summary,
    dataset: { full: String(of > 0 && ended >= of) },
  }, ...segments);
}

/** The counts spelled out beside the bar: "2 SUCCEEDED · 1 SENT · of 3 targeted". */
export function legend(job) {
  const { counts } = tally(job);
  return el('ul', { class: 'legend' },
    ...counts.map(([status, n]) => el('li', { dataset: { status } }, el('span', { class: 'swatch', dataset: { status } }), `${n} ${status}`)),
    el('li', {}, `of ${job.targeted ?? 0} targeted`));
}
