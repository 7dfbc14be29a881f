// The REST API as the console uses it: a session cookie set by POST /api/v1/session, and the
// session's CSRF token on every write. Errors are thrown as ApiError with the API's error object.

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || 'http_error';
    this.field = error.field || null;
  }
}

let csrfToken = null;

async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  if (response.status === 204) return null;
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

export const api = {
  get: (path) => call('GET', path),
  post: (path, body = {}) => call('POST', path, body),
  del: (path) => call('DELETE', path),
};

// Opens a session with an API token; resolves to the session ({csrf_token, token: {name, role}}).
export async function signIn(token) {
  const session = await call('POST', '/session', { token });
  csrfToken = session.csrf_token;
  return session;
}

// The current session (after a reload), or null when there is none.
export async function currentSession() {
  try {
    const session = await call('GET', '/session');
    csrfToken = session.csrf_token;
    return session;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 404)) return null;
    throw error;
  }
}

export async function signOut() {
  await call('DELETE', '/session');
  csrfToken = null;
}

// Every item of a listing, following next_cursor, up to `max` items.
export async function collect(path, max = 1000) {
  const items = [];
  let cursor = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await api.get(`${path}${separator}limit=${Math.min(1000, max - items.length)}` +
                               (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''));
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}
