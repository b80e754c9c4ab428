// The console's calls to the grid's own REST API. The operator's token comes from
// /console/session (same-origin, behind the login cookie) and is kept in memory only:
// never in storage, never in a URL.

let session = null;

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function toLogin() {
  location.assign('/login?returnUrl=' + encodeURIComponent(location.pathname + location.hash));
}

export async function loadSession() {
  const response = await fetch('/console/session', { headers: { Accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' });
  if (response.status === 401 || response.status === 403) {
    toLogin();
    throw new ApiError(response.status, 'Unauthorized', 'Your login has ended; log in again');
  }
  if (!response.ok) {
    throw new ApiError(response.status, 'Session', `Could not read the login session (HTTP ${response.status})`);
  }
  session = await response.json();
  return session;
}

export function token() {
  return session?.token ?? null;
}

/** Builds "?a=1&b=2" from the fields that have a value. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, value);
  }
  const text = search.toString();
  return text ? '?' + text : '';
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json', Authorization: 'Bearer ' + session.token };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch('/api/v1' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, 'Network', `The grid did not answer (${error.message})`);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (response.status === 401) {
    // The token expired under the page: the cookie dies with it, so a fresh login is the only way on.
    toLogin();
  }
  if (!response.ok) {
    throw new ApiError(response.status, json?.error?.code ?? 'Http', json?.error?.message ?? `HTTP ${response.status}`);
  }
  return json;
}

/** Every item of a cursor-paged list (up to maxPages of 1000), e.g. the registry for searching things by id or name. */
export async function loadAll(path, maxPages = 20) {
  const items = [];
  let cursor = null;
  let pages = 0;
  do {
    const page = await api('GET', path + query({ limit: 1000, cursor }));
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && ++pages < maxPages);
  return { items, complete: !cursor };
}

/** The whole registry (paged by the REST cursor), for searching things by id or name. */
export async function loadThings(maxPages = 20) {
  const { items, complete } = await loadAll('/things', maxPages);
  return { things: items, complete };
}

/** Local "YYYY-MM-DD HH:MM:SS" for an ISO time; the raw text if it does not parse. */
export function formatTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** A small element builder: el('td', { class: 'x', dataset: { label: 'Thing' } }, 'text', child). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== undefined && child !== null) node.append(child);
  }
  return node;
}
