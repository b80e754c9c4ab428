// The Things tab: the registry, whether each thing is connected and when it was last seen.
// Connection state comes from the thing's own JSON ("connected", "lastSeen") when the grid
// reports it; a grid that does not yet is shown as such rather than guessed.

import { loadThings, formatTime, el } from './api.js';

const $ = (id) => document.getElementById(id);

export class ThingsView {
  constructor(showError) {
    this.showError = showError;
    this.things = [];
    $('things-search').addEventListener('input', () => this.render());
  }

  async load() {
    try {
      const { things, complete } = await loadThings();
      this.things = things;
      const reported = things.some((thing) => 'connected' in thing);
      $('things-note').textContent = `${things.length} thing${things.length === 1 ? '' : 's'}${complete ? '' : ' (the first ones of a larger registry)'}`
        + (reported || things.length === 0 ? '' : ' · this grid does not report connection state yet');
      this.render();
    } catch (error) {
      this.showError(`Listing things failed: ${error.message}`);
    }
  }

  render() {
    const text = $('things-search').value.trim().toLowerCase();
    const shown = this.things.filter((thing) => !text || thing.thingId.toLowerCase().includes(text) || (thing.name ?? '').toLowerCase().includes(text));
    $('things-body').replaceChildren(...shown.map((thing) => el('tr', { dataset: { thingId: thing.thingId } },
      el('td', { dataset: { label: 'Thing ID' } }, thing.thingId),
      el('td', { dataset: { label: 'Name' } }, thing.name ?? ''),
      el('td', { dataset: { label: 'Connection' } }, connection(thing)),
      el('td', { dataset: { label: 'Last seen' }, title: thing.lastSeen ?? '' }, thing.lastSeen ? formatTime(thing.lastSeen) : (thing.connected ? 'now' : '—')),
      el('td', { dataset: { label: 'Registered' }, title: thing.createdAt }, formatTime(thing.createdAt)))));
    $('things-empty').hidden = shown.length > 0;
  }
}

function connection(thing) {
  if (typeof thing.connected !== 'boolean') {
    return el('span', { class: 'conn', dataset: { connected: 'unknown' }, title: 'The grid does not report connection state' }, 'not reported');
  }
  return el('span', { class: 'conn', dataset: { connected: String(thing.connected) } }, thing.connected ? 'connected' : 'offline');
}
