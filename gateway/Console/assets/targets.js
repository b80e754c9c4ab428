// A job's targets, picked from the registry (GET /api/v1/things) and the thing groups
// (GET /api/v1/thing-groups): one search over both, a checkbox per match, the chosen ones as
// removable chips. Only the first matches are listed, so a large fleet stays a short list.

import { loadAll, el } from './api.js';

const $ = (id) => document.getElementById(id);
const MAX_SHOWN = 50;

export class TargetPicker {
  constructor() {
    this.things = [];
    this.groups = [];
    this.complete = true;
    this.hiddenMatches = 0;
    this.chosen = { things: new Set(), groups: new Set() };
    $('job-target-search').addEventListener('input', () => this.render());
  }

  async load() {
    const [things, groups] = await Promise.all([loadAll('/things'), loadAll('/thing-groups')]);
    this.things = things.items.map((thing) => ({ id: thing.thingId, detail: thing.name && thing.name !== thing.thingId ? thing.name : null }));
    this.groups = groups.items.map((group) => ({ id: group.name, detail: group.description || (group.dynamic ? 'dynamic' : null) }));
    this.complete = things.complete && groups.complete;
    this.render();
  }

  reset() {
    this.chosen.things.clear();
    this.chosen.groups.clear();
    $('job-target-search').value = '';
    this.render();
  }

  /** The targets as POST /api/v1/jobs takes them. */
  value() {
    return { thingIds: [...this.chosen.things], groups: [...this.chosen.groups] };
  }

  get empty() {
    return this.chosen.things.size === 0 && this.chosen.groups.size === 0;
  }

  render() {
    const text = $('job-target-search').value.trim().toLowerCase();
    const matches = (item) => !text || item.id.toLowerCase().includes(text) || (item.detail ?? '').toLowerCase().includes(text);
    const things = this.things.filter(matches);
    const groups = this.groups.filter(matches);
    $('job-things').replaceChildren(...things.slice(0, MAX_SHOWN).map((item) => this.option('things', item)));
    $('job-groups').replaceChildren(...groups.slice(0, MAX_SHOWN).map((item) => this.option('groups', item)));
    this.hiddenMatches = Math.max(0, things.length - MAX_SHOWN) + Math.max(0, groups.length - MAX_SHOWN);
    this.renderChosen();
  }

  // The lists are left as they are: a box the operator just ticked stays the same element.
  renderChosen() {
    const chips = (kind, label) => [...this.chosen[kind]].map((id) => el('li', { class: 'chip', dataset: { kind, id } },
      label ? el('small', {}, label) : null, id,
      el('button', { type: 'button', 'aria-label': `Remove ${id}`, onclick: () => this.toggle(kind, id, false) }, '×')));
    $('job-targets-chosen').replaceChildren(...chips('things', null), ...chips('groups', 'group'));
    for (const box of document.querySelectorAll('#job-things input, #job-groups input')) {
      box.checked = this.chosen[box.dataset.kind].has(box.value);
    }
    const { things, groups } = this.chosen;
    $('job-targets-note').textContent = `${things.size} thing${things.size === 1 ? '' : 's'} and ${groups.size} group${groups.size === 1 ? '' : 's'} chosen`
      + (this.hiddenMatches ? ` · ${this.hiddenMatches} more match: refine the search` : '')
      + (this.complete ? '' : ' · only the first part of a large registry is searched');
  }

  option(kind, item) {
    const box = el('input', { type: 'checkbox', value: item.id, dataset: { kind }, onchange: (event) => this.toggle(kind, item.id, event.target.checked) });
    return el('li', {}, el('label', {}, box, item.id, item.detail ? el('small', {}, item.detail) : null));
  }

  toggle(kind, id, on) {
    if (on) this.chosen[kind].add(id);
    else this.chosen[kind].delete(id);
    this.renderChosen();
  }
}
