import uws from 'uWebSockets.js';

/**
 * Baseline B (design §10): the least work a relay can do — on any WebSocket message, stream the
 * upstream's chat completion and forward each chunk's text as a small JSON frame. No auth, no
 * sessions, no transcripts, no coalescing: whatever Galaxy costs above this is Galaxy's own.
 * Also the bare uWebSockets.js server used as the idle-memory and cold-start baseline.
 */

export interface BenchServer {
  port: number;
  close(): void;
}

function listen(app: uws.TemplatedApp): Promise<BenchServer> {
  return new Promise((resolve, reject) => {
    app.listen('127.0.0.1', 0, (socket) => {
      if (!socket) return reject(new Error('minimal relay: cannot listen'));
      resolve({ port: uws.us_socket_local_port(socket), close: () => uws.us_listen_socket_close(socket) });
    });
  });
}

export function startMinimalRelay(upstreamBaseUrl: string): Promise<BenchServer> {
  const app = uws.App();
  app.ws<{ open: boolean; abort: AbortController }>('/*', {
    compression: uws.DISABLED,
    open: (ws) => void Object.assign(ws.getUserData(), { open: true, abort: new AbortController() }),
    close: (ws) => {
      ws.getUserData().open = false;
      ws.getUserData().abort.abort();
    },
    message: (ws, data) => void relay(ws, Buffer.from(data).toString('utf8')),
  });

  async function relay(ws: uws.WebSocket<{ open: boolean; abort: AbortController }>, text: string): Promise<void> {
    const state = ws.getUserData();
    // Frames are sent from a fetch callback, outside uWS's handlers, so cork them as uWS advises.
    const send = (frame: object) => state.open && ws.cork(() => ws.send(JSON.stringify(frame)));
    try {
      const res = await fetch(`${upstreamBaseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fake-model', stream: true, messages: [{ role: 'user', content: text }] }),
        signal: state.abort.signal,
      });
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(bytes, { stream: true });
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
          const piece = JSON.parse(event.slice(6)).choices?.[0]?.delta?.content;
          if (piece) send({ type: 'delta', text: piece });
        }
      }
      send({ type: 'end' });
    } catch (err) {
      send({ type: 'error', message: String(err) });
    }
  }
  return listen(app);
}

/** A uWebSockets.js hello world: `/health` and a WebSocket route that does nothing. */
export function startBareUws(): Promise<BenchServer> {
  const app = uws.App();
  app.get('/health', (res) => void res.end('ok'));
  app.ws('/*', { compression: uws.DISABLED });
  return listen(app);
}
