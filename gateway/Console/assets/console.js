// The console's entry module: reads the login session, wires the tabs, and keeps the page
// live through the grid's WebSocket API.

import { loadSession, token } from './api.js';
import { CommandsView } from './commands.js';
import { SendDialog } from './send.js';
import { ThingsView } from './things.js';
import { LiveFeed } from './live.js';

const $ = (id) => document.getElementById(id);

function showError(message) {
  $('banner').textContent = message;
  $('banner').hidden = !message;
}

async function main() {
  const session = await loadSession();
  $('who').textContent = `user ${session.userId}`;
  const commands = new CommandsView(showError);
  const things = new ThingsView(showError);
  new SendDialog((created) => commands.show(created, true));

  const route = () => {
    const tab = location.hash.startsWith('#/things') ? 'things' : 'commands';
    $('commands-view').hidden = tab !== 'commands';
    $('things-view').hidden = tab !== 'things';
    for (const [name, link] of [['commands', $('nav-commands')], ['things', $('nav-things')]]) {
      if (name === tab) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    return tab === 'things' ? things.load() : commands.load();
  };

  // The tab is read at once, and again whenever the subscription is (re)established, so a command
  // created before the subscription was in place is still listed.
  new LiveFeed(
    token,
    (kind, command) => commands.onPush(kind, command),
    (state, detail) => {
      $('live').dataset.state = state;
      $('live').textContent = state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : `offline${detail ? ': ' + detail : ''}`;
    },
    route).start();
  window.addEventListener('hashchange', route);
  await route();
}

main().catch((error) => showError(`The console could not start: ${error.message}`));
