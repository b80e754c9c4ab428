// The console's entry module: reads the login session, wires the tabs, and keeps the page
// live through the grid's WebSocket API.

import { loadSession, token } from './api.js';
import { CommandsView } from './commands.js';
import { SendDialog } from './send.js';
import { ThingsView } from './things.js';
import { JobsView } from './jobs.js';
import { JobForm } from './job-form.js';
import { JobPage } from './job.js';
import { GroupsView } from './groups.js';
import { LiveFeed } from './live.js';

const $ = (id) => document.getElementById(id);
const TABS = ['commands', 'jobs', 'things', 'groups'];
const TITLES = { commands: 'Commands', jobs: 'Jobs', job: 'Job', things: 'Things', groups: 'Groups' };

function showError(message) {
  $('banner').textContent = message;
  $('banner').hidden = !message;
}

/** "#/jobs/lamps-on" → { tab: 'jobs', arg: 'lamps-on' }; anything unknown is the Commands tab. */
function parseRoute(hash) {
  const match = /^#\/([a-z]+)(?:\/(.+))?$/.exec(hash);
  const tab = match && TABS.includes(match[1]) ? match[1] : 'commands';
  let arg = null;
  try {
    arg = match?.[2] ? decodeURIComponent(match[2]) : null;
  } catch {
    arg = null;
  }
  return { tab, arg };
}

async function main() {
  const session = await loadSession();
  $('who').textContent = `user ${session.userId}`;
  const commands = new CommandsView(showError);
  const things = new ThingsView(showError);
  const jobs = new JobsView(showError);
  const job = new JobPage(showError, (executionId) => commands.openDetails(executionId));
  const groups = new GroupsView(showError);
  new SendDialog((created) => commands.show(created, true));
  new JobForm((created) => jobs.add(created));

  const views = {
    commands: () => commands.load(),
    jobs: () => jobs.load(),
    job: (arg) => job.load(arg),
    things: () => things.load(),
    groups: (arg) => groups.load(arg),
  };
  const route = () => {
    const { tab, arg } = parseRoute(location.hash);
    const view = tab === 'jobs' && arg ? 'job' : tab;
    for (const name of Object.keys(views)) $(`${name}-view`).hidden = name !== view;
    for (const name of TABS) {
      if (name === tab) $(`nav-${name}`).setAttribute('aria-current', 'page');
      else $(`nav-${name}`).removeAttribute('aria-current');
    }
    // Only the page in view is watched: leaving one stops its polling.
    if (view !== 'jobs') jobs.leave();
    if (view !== 'job') job.leave();
    document.title = `${TITLES[view]} · CommandGrid`;
    return views[view](arg);
  };

  // The tab is read at once, and again whenever the subscription is (re)established, so a command
  // created before the subscription was in place is still listed.
  new LiveFeed(
    token,
    (kind, command) => {
      commands.onPush(kind, command);
      jobs.onPush(kind, command);
    },
    (state, detail) => {
      $('live').dataset.state = state;
      $('live').textContent = state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : `offline${detail ? ': ' + detail : ''}`;
    },
    route).start();
  window.addEventListener('hashchange', route);
  await route();
}

main().catch((error) => showError(`The console could not start: ${error.message}`));
