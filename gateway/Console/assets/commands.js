// The Commands tab: the execution table (newest first, keyset-paged with the REST nextCursor,
// filtered by thing, action and status), an execution's details, and live changes.

import { api, query, formatTime, el, ApiError } from './api.js';
import { FINAL, statusBadge } from './status.js';

const $ = (id) => document.getElementById(id);

export class CommandsView {
  constructor(showError) {
    this.showError = showError;
    this.filters = { thingId: '', action: '', status: '', limit: '20' };
    // cursors[i] opens page i; page 0 has none. Prev steps back through what Next walked.
    this.cursors = [null];
    this.nextCursor = null;
    this.rows = new Map();
    this.detailsId = null;
    this.refreshing = new Map();

    $('filters').addEventListener('submit', (event) => {
      event.preventDefault();
      this.applyFilters();
    });
    $('filters').addEventListener('reset', () => setTimeout(() => this.applyFilters(), 0));
    $('page-next').addEventListener('click', () => {
      if (!this.nextCursor) return;
      this.cursors.push(this.nextCursor);
      this.load();
    });
    $('page-prev').addEventListener('click', () => {
      this.cursors.pop();
      this.load();
    });
    $('newer-show').addEventListener('click', () => this.firstPage());
    $('details-close').addEventListener('click', () => $('details').close());
    $('details').addEventListener('close', () => { this.detailsId = null; });
    $('details-cancel-command').addEventListener('click', () => this.cancelShown());
  }

  get page() {
    return this.cursors.length - 1;
  }

  applyFilters() {
    const form = new FormData($('filters'));
    this.filters = {
      thingId: String(form.get('thingId') ?? '').trim(),
      action: String(form.get('action') ?? '').trim(),
      status: String(form.get('status') ?? ''),
      limit: String(form.get('limit') ?? '20'),
    };
    this.firstPage();
  }

  firstPage() {
    this.cursors = [null];
    return this.load();
  }

  async load() {
    const cursor = this.cursors[this.page];
    try {
      const result = await api('GET', '/commands' + query({ ...this.filters, cursor }));
      this.nextCursor = result.nextCursor;
      this.rows = new Map(result.items.map((item) => [item.executionId, item]));
      $('newer').hidden = true;
      this.render();
    } catch (error) {
      this.showError(error instanceof ApiError ? `Listing commands failed: ${error.message}` : String(error));
    }
  }

  render() {
    const body = $('commands-body');
    body.replaceChildren(...[...this.rows.values()].map((execution) => this.row(execution)));
    $('commands-empty').hidden = this.rows.size > 0;
    $('page-prev').disabled = this.page === 0;
    $('page-next').disabled = !this.nextCursor;
    $('page-number').textContent = `Page ${this.page + 1}`;
  }

  row(execution) {
    const open = () => this.openDetails(execution.executionId);
    return el('tr', { dataset: { executionId: execution.executionId }, onclick: open },
      el('td', { dataset: { label: 'Execution ID' } },
        el('button', { type: 'button', class: 'id-link', onclick: (event) => { event.stopPropagation(); open(); } }, execution.executionId)),
      el('td', { dataset: { label: 'Thing' }, title: execution.thingId }, execution.thingId),
      el('td', { dataset: { label: 'Action' }, title: execution.action }, execution.action),
      el('td', { dataset: { label: 'Status' } }, statusBadge(execution.status)),
      el('td', { dataset: { label: 'Job' } }, jobLink(execution.jobId)),
      el('td', { dataset: { label: 'Created At' }, title: execution.createdAt }, formatTime(execution.createdAt)));
  }

  matches(execution) {
    const f = this.filters;
    return (!f.thingId || execution.thingId === f.thingId)
      && (!f.action || execution.action === f.action)
      && (!f.status || execution.status === f.status);
  }

  /** An execution read after a push or returned by a call: updates its row, or adds it to the first page if it belongs there. */
  show(execution, fresh) {
    const id = execution.executionId;
    const existing = this.rows.get(id);
    if (existing) {
      this.rows.set(id, execution);
      const old = document.querySelector(`#commands-body tr[data-execution-id="${CSS.escape(id)}"]`);
      const replacement = this.row(execution);
      if (old) {
        if (existing.status !== execution.status) replacement.classList.add('flash');
        old.replaceWith(replacement);
      }
    } else if (this.matches(execution) && (fresh || this.filters.status)) {
      // A new command, or (under a status filter) one whose change makes it match.
      if (this.page !== 0) {
        if (fresh) $('newer').hidden = false;
      } else if (fresh || this.withinFirstPage(execution)) {
        // The page grows instead of dropping its last row: that row would otherwise fall between
        // this page and the next, whose cursor the server already fixed.
        this.rows = new Map([...this.rows.values(), execution]
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || Number(b.executionId) - Number(a.executionId))
          .map((item) => [item.executionId, item]));
        this.render();
        document.querySelector(`#commands-body tr[data-execution-id="${CSS.escape(id)}"]`)?.classList.add('flash');
      }
    }
    if (this.detailsId === id) this.renderDetails(execution);
  }

  /** Whether an older execution sorts among the first page's rows rather than after them. */
  withinFirstPage(execution) {
    const last = [...this.rows.values()].at(-1);
    return !this.nextCursor || !last || execution.createdAt >= last.createdAt;
  }

  /**
   * A push names a command; the REST record is read back because it carries the normalised status
   * and the history (the DeviceHive push keeps the device's own word). Pushes for one id that
   * arrive while it is being read cause one more read, so the last state always wins.
   */
  async onPush(kind, command) {
    const id = String(command.id);
    const pending = this.refreshing.get(id);
    if (pending) {
      pending.again = true;
      pending.fresh ||= kind === 'insert';
      return;
    }
    const state = { again: true, fresh: kind === 'insert' };
    this.refreshing.set(id, state);
    try {
      while (state.again) {
        state.again = false;
        const wanted = state.fresh || this.rows.has(id) || this.detailsId === id || (this.filters.status && this.page === 0);
        if (!wanted) return;
        this.show(await api('GET', `/commands/${encodeURIComponent(id)}`), state.fresh);
      }
    } catch (error) {
      this.showError(`Reading execution ${id} failed: ${error.message}`);
    } finally {
      this.refreshing.delete(id);
    }
  }

  async openDetails(id) {
    this.detailsId = id;
    $('details-error').hidden = true;
    try {
      const execution = await api('GET', `/commands/${encodeURIComponent(id)}`);
      this.renderDetails(execution);
      if (!$('details').open) $('details').showModal();
    } catch (error) {
      this.showError(`Reading execution ${id} failed: ${error.message}`);
    }
  }

  renderDetails(execution) {
    $('details-title').textContent = `Execution ${execution.executionId}`;
    const field = (name, value) => [el('dt', {}, name), el('dd', { dataset: { field: name } }, value ?? '—')];
    const reason = execution.statusReason ? `${execution.statusReason.reasonCode}: ${execution.statusReason.reasonDescription ?? ''}` : null;
    $('details-fields').replaceChildren(
      ...field('Thing', execution.thingId),
      ...field('Action', execution.action),
      ...field('Status', statusBadge(execution.status)),
      // Only a device's own word: an execution no device answered (PENDING, TIMED_OUT, canceled by its job) has none.
      ...(execution.deviceStatus ? field("Device's status", execution.deviceStatus) : []),
      ...(execution.jobId ? field('Job', jobLink(execution.jobId, () => $('details').close())) : []),
      ...(reason ? field('Reason', reason) : []),
      ...field('TTL', execution.ttl === null || execution.ttl === undefined ? null : `${execution.ttl} s`),
      ...field('Created At', formatTime(execution.createdAt)),
      ...field('Updated At', formatTime(execution.updatedAt)),
      ...field('Expires At', formatTime(execution.expiresAt)),
      ...field('User', String(execution.userId)));
    $('details-params').textContent = JSON.stringify(execution.params ?? {}, null, 2);
    $('details-result').textContent = execution.result === null || execution.result === undefined ? 'none yet' : JSON.stringify(execution.result, null, 2);
    $('details-history').replaceChildren(...(execution.history ?? []).map((entry) => el('tr', {},
      el('td', {}, statusBadge(entry.status)),
      el('td', {}, entry.deviceStatus ?? ''),
      el('td', { title: entry.at }, formatTime(entry.at)),
      el('td', {}, entry.source ?? ''))));
    $('details-cancel-command').hidden = FINAL.has(execution.status);
  }

  async cancelShown() {
    const id = this.detailsId;
    if (!id) return;
    try {
      this.show(await api('POST', `/commands/${encodeURIComponent(id)}/cancel`), false);
    } catch (error) {
      $('details-error').textContent = `Cancel failed: ${error.message}`;
      $('details-error').hidden = false;
    }
  }
}

/** The job an execution belongs to, as a link to its page; '—' for a command sent on its own. */
function jobLink(jobId, onFollow) {
  if (!jobId) return '—';
  return el('a', {
    href: `#/jobs/${encodeURIComponent(jobId)}`,
    class: 'id-link',
    onclick: (event) => {
      event.stopPropagation();
      onFollow?.();
    },
  }, jobId);
}
