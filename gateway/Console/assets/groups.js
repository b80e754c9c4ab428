// The Groups page: the thing groups (GET /api/v1/thing-groups) with their description and whether
// they are static (a member list) or dynamic (a query over the registry), and one group's members
// (#/groups/{name}, GET /api/v1/thing-groups/{name}/things), a page at a time with "More".

import { api, query, formatTime, el } from './api.js';
import { CursorList } from './pages.js';

const $ = (id) => document.getElementById(id);

export class GroupsView {
  constructor(showError) {
    this.showError = showError;
    this.group = null;
    this.groups = new CursorList({
      fetchPage: (cursor, limit) => api('GET', '/thing-groups' + query({ limit, cursor })),
      more: $('groups-more'),
      render: (items) => this.renderGroups(items),
      pageSize: () => 100,
      onError: (error) => this.showError(`Listing thing groups failed: ${error.message}`),
    });
    this.members = new CursorList({
      fetchPage: (cursor, limit) => api('GET', `/thing-groups/${encodeURIComponent(this.group)}/things` + query({ limit, cursor })),
      more: $('members-more'),
      render: (items) => this.renderMembers(items),
      pageSize: () => Number($('members-limit').value),
      onError: (error) => this.showError(`Listing the members of ${this.group} failed: ${error.message}`),
    });
    $('members-limit').addEventListener('change', () => this.members.reset());
  }

  async load(group) {
    this.group = group;
    $('members').hidden = !group;
    const loads = [this.groups.reset()];
    if (group) {
      $('members-title').textContent = `Members of ${group}`;
      $('members-body').replaceChildren();
      loads.push(this.members.reset());
    }
    await Promise.all(loads);
  }

  renderGroups(items) {
    $('groups-body').replaceChildren(...items.map((group) => el('tr', { dataset: { group: group.name }, class: group.name === this.group ? 'chosen' : null },
      el('td', { dataset: { label: 'Name' } }, el('a', { href: `#/groups/${encodeURIComponent(group.name)}`, class: 'id-link' }, group.name)),
      el('td', { dataset: { label: 'Description' }, title: group.description ?? '' }, group.description ?? ''),
      el('td', { dataset: { label: 'Kind' } }, el('span', { class: 'kind', dataset: { dynamic: String(group.dynamic) } }, group.dynamic ? 'dynamic' : 'static')),
      el('td', { dataset: { label: 'Query' } }, group.dynamic ? describeQuery(group.query) : '—'),
      el('td', { dataset: { label: 'Created' }, title: group.createdAt }, formatTime(group.createdAt)))));
    $('groups-empty').hidden = items.length > 0;
  }

  renderMembers(items) {
    $('members-body').replaceChildren(...items.map((member) => el('tr', { dataset: { thingId: member.thingId } },
      el('td', { dataset: { label: 'Thing ID' } }, member.thingId))));
    $('members-empty').hidden = items.length > 0 || Boolean(this.members.nextCursor);
  }
}

/** "network 3 · device type 2 · floor=2": what a dynamic group matches. */
function describeQuery(q) {
  if (!q) return 'every thing';
  const parts = [];
  if (q.networkId !== null && q.networkId !== undefined) parts.push(`network ${q.networkId}`);
  if (q.deviceTypeId !== null && q.deviceTypeId !== undefined) parts.push(`device type ${q.deviceTypeId}`);
  for (const [key, value] of Object.entries(q.attributes ?? {})) parts.push(`${key}=${value}`);
  return parts.length ? parts.join(' · ') : 'every thing';
}
