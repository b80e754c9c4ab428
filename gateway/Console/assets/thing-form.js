// "Register Thing" and a thing's "Edit": PUT /api/v1/things/{thingId} with its name, attributes,
// network and device type. Editing keeps the id; what the form shows is what the grid stored.

import { api } from './api.js';
import { FormDialog } from './form-dialog.js';
import { parseObject, parseId, parseName, parseText } from './inputs.js';

const $ = (id) => document.getElementById(id);

export class ThingForm {
  constructor(onSaved) {
    this.form = new FormDialog('thing', {
      thingId: [$('thing-id'), (text) => parseName(text, 'Thing ID')],
      name: [$('thing-name'), parseText],
      attributes: [$('thing-attributes'), (text) => parseObject(text, 'Attributes', '{"floor": "2"}')],
      networkId: [$('thing-network'), (text) => parseId(text, 'Network ID')],
      deviceTypeId: [$('thing-device-type'), (text) => parseId(text, 'Device type ID')],
    }, async ({ thingId, ...body }) => onSaved(await api('PUT', `/things/${encodeURIComponent(thingId)}`, body)), 'saved');
    $('thing-open').addEventListener('click', () => this.open(null));
  }

  /** Empty for a new thing; filled from the thing's record, its id fixed, to edit one. */
  open(thing) {
    this.form.form.reset();
    $('thing-form-title').textContent = thing ? `Edit ${thing.thingId}` : 'Register Thing';
    $('thing-id').readOnly = Boolean(thing);
    if (thing) {
      $('thing-id').value = thing.thingId;
      $('thing-name').value = thing.name ?? '';
      const attributes = thing.attributes ?? {};
      $('thing-attributes').value = Object.keys(attributes).length ? JSON.stringify(attributes, null, 2) : '';
      $('thing-network').value = thing.networkId ?? '';
      $('thing-device-type').value = thing.deviceTypeId ?? '';
    }
    this.form.open();
    (thing ? $('thing-name') : $('thing-id')).focus();
  }
}
