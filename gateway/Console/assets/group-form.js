// "Create Group": PUT /api/v1/thing-groups/{group}. A static group lists its members (added on its
// page); a dynamic one is a query over the registry: a network, a device type, attributes to match.

import { api } from './api.js';
import { FormDialog } from './form-dialog.js';
import { parseMatch, parseId, parseName, parseText } from './inputs.js';

const $ = (id) => document.getElementById(id);

export class GroupForm {
  constructor(onSaved) {
    this.form = new FormDialog('group', {
      name: [$('group-name'), (text) => parseName(text, 'Group name')],
      description: [$('group-description'), parseText],
      networkId: [$('group-network'), (text) => parseId(text, 'Network ID')],
      deviceTypeId: [$('group-device-type'), (text) => parseId(text, 'Device type ID')],
      attributes: [$('group-attributes'), (text) => parseMatch(text)],
    }, (values) => this.save(values), 'created');
    this.onSaved = onSaved;
    $('group-open').addEventListener('click', () => this.open());
    for (const kind of document.querySelectorAll('input[name="group-kind"]')) {
      kind.addEventListener('change', () => this.showQuery());
    }
  }

  get dynamic() {
    return $('group-kind-dynamic').checked;
  }

  showQuery() {
    $('group-query').hidden = !this.dynamic;
  }

  open() {
    this.form.form.reset();
    this.showQuery();
    this.form.open();
    $('group-name').focus();
  }

  async save({ name, description, networkId, deviceTypeId, attributes }) {
    const query = this.dynamic ? { networkId, deviceTypeId, attributes } : undefined;
    if (this.dynamic && networkId === undefined && deviceTypeId === undefined && attributes === undefined) {
      this.form.fail('A dynamic group needs a network, a device type or attributes to match');
      return false;
    }
    this.onSaved(await api('PUT', `/thing-groups/${encodeURIComponent(name)}`, { description, query }));
    return true;
  }
}
