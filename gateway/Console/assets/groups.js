// The Groups page: the thing groups (GET /api/v1/thing-groups) with their description and whether
// they are static (a member list) or dynamic (a query over the registry), "Create Group"
// (group-form.js), and one group's members (#/groups/{name}, GET /api/v1/thing-groups/{name}/things),
// a page at a time with "More"; a static group's members are added and removed here.

import { api, query, formatTime, el } from './api.js';
import { CursorList } from './pages.js';
import { GroupForm } from './group-form.js';

const $ = (id) => document.getElementById(id);

export class GroupsView {
  constructor(showError) {
    this.showError = showError;
    this.group = null;
    this.dynamic = false;
    new GroupForm((saved) => this.created(saved));
    $('member-add-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.addMember();
    });
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
    this.memberError(null);
    $('member-add-form').hidden = true;
    const loads = [this.groups.reset()];
    if (group) {
      $('members-title').textContent = `Members of ${group}`;
      $('members-body').replaceChildren();
      loads.push(this.loadMembers(group));
    }
    await Promise.all(loads);
  }

  /** The group's kind first: a dynamic group's members follow its query, only a static one's are added and removed by hand. */
  async loadMembers(group) {
    try {
      this.dynamic = (await api('GET', `/thing-groups/${encodeURIComponent(group)}`)).dynamic;
    } catch (error) {
      this.showError(`Reading group ${group} failed: ${error.message}`);
      return;
    }
    if (group !== this.group) return;
    $('member-add-form').hidden = this.dynamic;
    await this.members.reset();
  }

  /** A group the form stored: its page opens, so members can be added to a new static group at once. */
  created(group) {
    const target = `#/groups/${encodeURIComponent(group.name)}`;
    if (location.hash === target) this.load(group.name);
    else location.hash = target;
  }

  memberError(message) {
    $('member-error').textContent = message ?? '';
    $('member-error').hidden = !message;
  }

  async addMember() {
    const thingId = $('member-thing').value.trim();
    if (!thingId) return this.memberError('Enter the id of a registered thing');
    const button = $('member-add');
    button.disabled = true;
    try {
      await api('PUT', `/thing-groups/${encodeURIComponent(this.group)}/things/${encodeURIComponent(thingId)}`);
      $('member-add-form').reset();
      this.memberError(null);
      await this.members.refresh();
    } catch (error) {
      this.memberError(`Not added (${error.status || 'network'}): ${error.message}`);
    } finally {
      button.disabled = false;
    }
  }

  async removeMember(thingId) {
    try {
      await api('DELETE', `/thing-groups/${encodeURIComponent(this.group)}/things/${encodeURIComponent(thingId)}`);
      this.memberError(null);
      await this.members.refresh();
    } catch (error) {
      this.memberError(`Not removed (${error.status || 'network'}): ${error.message}`);
    }
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
      el('td', { dataset: { label: 'Thing ID' } }, member.thingId),
      el('td', { dataset: { label: '' } }, this.dynamic ? null
        : el('button', { type: 'button', class: 'remove', 'aria-label': `Remove ${member.thingId}`, onclick: () => this.removeMember(member.thingId) }, 'Remove')))));
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
