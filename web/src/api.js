// The one way the workbench talks to its node: same origin, the session in an HttpOnly
// cookie, the CSRF token (a readable cookie) echoed on every change. The API decides
// everything; an error comes back as an ApiError naming the fields at fault.

const listeners = new Set();
const returning = new Set();

/** Called with no argument when the API says the session is gone (401). */
export function onSessionLost(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Called with no argument once the user has logged in again after a lost session. */
export function onSessionBack(listener) {
  returning.add(listener);
  return () => returning.delete(listener);
}

/** Said by the login when a session is there again: what waited for one asks again. */
export function sessionBack() {
  for (const listener of [...returning]) listener();
}

function csrfToken() {
  const found = document.cookie.match(/(?:^|;\s*)accord_csrf=([^;]+)/);
  return found ? decodeURIComponent(found[1]) : "";
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.code = body.code || "error";
    this.errors = Array.isArray(body.errors) ? body.errors : [];
    // An agreement file that does not load: each problem with its file and line.
    this.problems = Array.isArray(body.problems) ? body.problems : [];
    this.retryAfter = body.retry_after ?? null;
  }

  /** The reason given for one field (`query`, `body.items.3.mrz`…), or null. */
  field(name) {
    const found = this.errors.find((e) => e.field === name || e.field.endsWith(`.${name}`));
    return found ? found.reason : null;
  }
}

/** The API's answer to one call; with `raw`, a successful answer's text as it came (a file);
 * with `timeoutMs`, a call that has not been answered by then fails as the network would. */
export async function call(
  method,
  path,
  body,
  contentType = "application/json",
  { raw = false, timeoutMs = 0 } = {},
) {
  const headers = { Accept: raw ? "*/*" : "application/json" };
  if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrfToken();
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = contentType;
    payload = contentType === "application/json" ? JSON.stringify(body) : body;
  }
  let response;
  const abort = timeoutMs > 0 ? new AbortController() : null;
  const timer = abort ? setTimeout(() => abort.abort(), timeoutMs) : null;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: payload,
      credentials: "same-origin",
      signal: abort ? abort.signal : undefined,
    });
  } catch {
    throw new ApiError(0, { code: "network", message: "the node cannot be reached" });
  } finally {
    clearTimeout(timer);
  }
  if (response.status === 204) return null;
  if (raw && response.ok) return response.text();
  const isJson = (response.headers.get("content-type") || "").includes("json");
  const data = isJson ? await response.json() : { message: await response.text() };
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && !path.startsWith("/auth/login")) {
      for (const listener of listeners) listener();
    }
    throw error;
  }
  return data;
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body);
