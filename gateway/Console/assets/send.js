// "Send Command": the thing is picked from the registry by searching its id or name, the
// parameters are checked to be a JSON object before anything is sent, then POST /api/v1/commands.

import { api, loadThings, el } from './api.js';
import { parseParams, parseTtl } from './inputs.js';

const $ = (id) => document.getElementById(id);
const MAX_OPTIONS = 8;

export class SendDialog {
  constructor(onCreated) {
    this.onCreated = onCreated;
    this.registry = null;
    $('send-open').addEventListener('click', () => this.open());
    $('send-cancel').addEventListener('click', () => $('send').close());
    $('send-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    $('send-thing').addEventListener('input', () => this.suggest());
    $('send-thing').addEventListener('focus', () => this.suggest());
    $('send-params').addEventListener('input', () => this.check($('send-params'), parseParams($('send-params').value)));
    $('send-ttl').addEventListener('input', () => this.check($('send-ttl'), parseTtl($('send-ttl').value)));
  }

  async open() {
    this.error(null);
    $('send').showModal();
    $('send-thing').focus();
    try {
      this.registry = await loadThings();
      this.suggest();
    } catch (error) {
      this.error(`Could not read the registry: ${error.message}`);
    }
  }

  suggest() {
    const list = $('send-thing-options');
    if (!this.registry) {
      list.hidden = true;
      return;
    }
    const text = $('send-thing').value.trim().toLowerCase();
    const found = this.registry.things
      .filter((thing) => thing.thingId.toLowerCase().includes(text) || (thing.name ?? '').toLowerCase().includes(text))
      .slice(0, MAX_OPTIONS);
    const exact = found.length === 1 && found[0].thingId.toLowerCase() === text;
    list.replaceChildren(...found.map((thing) => el('li', {
      role: 'option',
      dataset: { thingId: thing.thingId },
      onmousedown: (event) => event.preventDefault(),
      onclick: () => this.pick(thing.thingId),
    }, thing.thingId, thing.name && thing.name !== thing.thingId ? el('small', {}, thing.name) : null)));
    list.hidden = found.length === 0 || exact;
    $('send-thing').setAttribute('aria-expanded', String(!list.hidden));
  }

  pick(thingId) {
    $('send-thing').value = thingId;
    $('send-thing-options').hidden = true;
    $('send-thing').setAttribute('aria-expanded', 'false');
    $('send-action').focus();
  }

  check(input, parsed) {
    input.setAttribute('aria-invalid', String(Boolean(parsed.error)));
    this.error(parsed.error ?? null);
    return parsed;
  }

  error(message) {
    $('send-error').textContent = message ?? '';
    $('send-error').hidden = !message;
  }

  async submit() {
    const thingId = $('send-thing').value.trim();
    const action = $('send-action').value.trim();
    if (!thingId) return this.error('Pick a thing');
    if (this.registry?.complete && !this.registry.things.some((thing) => thing.thingId === thingId)) {
      return this.error(`No thing "${thingId}" in the registry; register it first (PUT /api/v1/things/${thingId})`);
    }
    if (!action) return this.error('Enter an action, e.g. setTemperature');
    const params = this.check($('send-params'), parseParams($('send-params').value));
    if (params.error) return;
    const ttl = this.check($('send-ttl'), parseTtl($('send-ttl').value));
    if (ttl.error) return;
    const button = $('send-submit');
    button.disabled = true;
    try {
      const created = await api('POST', '/commands', { thingId, action, params: params.value, ttl: ttl.value });
      $('send').close();
      $('send-form').reset();
      this.onCreated(created);
    } catch (error) {
      this.error(`Not sent (${error.status || 'network'}): ${error.message}`);
    } finally {
      button.disabled = false;
    }
  }
}
