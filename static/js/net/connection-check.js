/**
 * Asks the server what a WebSocket upgrade from this page would get (a browser cannot read a refused
 * handshake). Same-origin GETs carry no Origin header, so the page states its own.
 * Resolves to { ok: true, websocket } or { ok: false, status, error }, or null when the server
 * could not be reached at all (offline, or restarting).
 */
export async function checkConnection(path) {
  try {
    const response = await fetch(`${path}?origin=${encodeURIComponent(location.origin)}`, { headers: { accept: 'application/json' }, cache: 'no-store' });
    const body = await response.json().catch(() => ({}));
    if (response.ok) return { ok: true, websocket: body.websocket !== false };
    return { ok: false, status: response.status, error: body?.error };
  } catch {
    return null;
  }
}
