// The Things tab: the registry, whether each thing is connected and when it was last seen, and
// "Register Thing" / "Edit" (thing-form.js). Connection state comes from the thing's own JSON
// ("connected", "lastSeen") when the grid reports it; a grid that does not yet is shown as such.

import { loadThings, formatTime, el } from './api.js';
import { ThingForm } from './thing-form.js';

const $ = (id) => document.getElementById(id);

export class ThingsView {
  constructor(showError) {
    this.showError = showError;
    this.things = [];
    this.complete = true;
    this.form = new ThingForm((saved) => this.saved(saved));
    $('things-search').addEventListener('input', () => this.render());
  }

  /** A thing the form stored: its row shows the grid's answer, in place or added. */
  saved(thing) {
    const at = this.things.findIndex((known) => known.thingId === thing.thingId);
    if (at >= 0) this.things[at] = thing;
    else this.things.push(thing);
    this.render();
    document.querySelector(`#things-body tr[data-thing-id="${CSS.escape(thing.thingId)}"]`)?.classList.add('flash');
  }

  async load() {
    try {
      const { things, complete } = await loadThings();
      this.things = things;
      this.complete = complete;
      this.render();
    } catch (error) {
      this.showError(`Listing things failed: ${error.message}`);
    }
  }

  render() {
    const things = this.things;
    const reported = things.some((thing) => 'connected' in thing);
    $('things-note').textContent = `${things.length} thing${things.length === 1 ? '' : 's'}${this.complete ? '' : ' (the first ones of a larger registry)'}`
      + (reported || things.length === 0 ? '' : ' · this grid does not report connection state yet');
    const text = $('things-search').value.trim().toLowerCase();
    const shown = this.things.filter((thing) => !text || thing.thingId.toLowerCase().includes(text) || (thing.name ?? '').toLowerCase().includes(text));
    $('things-body').replaceChildren(...shown.map((thing) => el('tr', { dataset: { thingId: thing.thingId } },
      el('td', { dataset: { label: 'Thing ID' } }, thing.thingId),
      el('td', { dataset: { label: 'Name' } }, thing.name ?? ''),
      el('td', { dataset: { label: 'Connection' } }, connection(thing)),
      el('td', { dataset: { label: 'Last seen' }, title: thing.lastSeen ?? '' }, thing.lastSeen ? formatTime(thing.lastSeen) : (thing.connected ? 'now' : '—')),
      el('td', { dataset: { label: 'Registered' }, title: thing.createdAt }, formatTime(thing.createdAt)),
      el('td', { dataset: { label: '' } },
        el('button', { type: 'button', class: 'edit', 'aria-label': `Edit ${thing.thingId}`, onclick: () => this.form.open(thing) }, 'Edit')))));
    $('things-empty').hidden = shown.length > 0;
  }
}

function connection(thing) {
  if (typeof thing.connected !== 'boolean') {
    return el('span', { class: 'conn', dataset: { connected: 'unknown' }, title: 'The grid does not report connection state' }, 'not reported');
  }
  return el('span', { class: 'conn', dataset: { connected: String(thing.connected) } }, thing.connected ? 'connected' : 'offline');
}
