/** A browser cannot read a refused handshake, so ask; same-origin GETs carry no Origin, so name ours. */
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
