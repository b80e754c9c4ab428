// Live updates from the grid's own DeviceHive WebSocket API: authenticate with the operator's
// token, then one command/subscribe without deviceId (every device the token reaches) and with
// returnUpdatedCommands, so the grid pushes command/insert for each new command and
// command/update for each change — including the TIMED_OUT its TTL reminder sets.

import { toLogin } from './api.js';

const MAX_BACKOFF_MS = 15000;

export class LiveFeed {
  /**
   * @param {() => string} getToken the operator's access token
   * @param {(kind: 'insert'|'update', command: object) => void} onCommand a pushed DeviceHive command
   * @param {(state: string, detail?: string) => void} onState 'connecting' | 'live' | 'offline'
   * @param {() => void} onResync called once each (re)subscription is in place: what changed before it was not pushed
   */
  constructor(getToken, onCommand, onState, onResync) {
    this.getToken = getToken;
    this.onCommand = onCommand;
    this.onState = onState;
    this.onResync = onResync;
    this.backoff = 1000;
  }

  start() {
    this.onState('connecting');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/api/websocket`);
    socket.addEventListener('open', () => {
      socket.send(JSON.stringify({ action: 'authenticate', requestId: 'authenticate', token: this.getToken() }));
    });
    socket.addEventListener('message', (event) => this.receive(socket, event.data));
    socket.addEventListener('close', () => {
      this.onState('offline', `reconnecting in ${Math.round(this.backoff / 1000)} s`);
      setTimeout(() => this.start(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    });
  }

  receive(socket, data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (message.requestId === 'authenticate') {
      if (message.status !== 'success') {
        this.onState('offline', message.error);
        if (message.code === 401) toLogin();
        socket.close();
        return;
      }
      socket.send(JSON.stringify({ action: 'command/subscribe', requestId: 'subscribe', returnUpdatedCommands: true }));
    } else if (message.requestId === 'subscribe') {
      if (message.status !== 'success') {
        this.onState('offline', message.error);
        socket.close();
        return;
      }
      this.backoff = 1000;
      this.onState('live');
      this.onResync();
    } else if (message.requestId === undefined && message.command) {
      if (message.action === 'command/insert') this.onCommand('insert', message.command);
      else if (message.action === 'command/update') this.onCommand('update', message.command);
    }
  }
}
