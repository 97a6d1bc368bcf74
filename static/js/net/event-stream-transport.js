import { SseParser } from './sse-parser.js';

const CLOSE_ABNORMAL = 1006;

/**
 * HTTP streaming (docs/protocol.md) where WebSocket upgrades are blocked. fetch(), not EventSource:
 * a refused stream's status and reason must reach the page.
 */
export function openEventStream(path, version, resume, { onOpen, onEvent, onClose, onRefused }) {
  const aborter = new AbortController();
  let framesPath = '';
  let closeCode = CLOSE_ABNORMAL;
  let finished = false;
  /** Chained, so frames reach the server in order. */
  let posting = Promise.resolve();

  const finish = (report) => {
    if (finished) return;
    finished = true;
    aborter.abort();
    report();
  };

  const parser = new SseParser((message) => {
    if (finished) return;
    let body;
    try {
      body = JSON.parse(message.data);
    } catch {
      return;
    }
    if (message.event === 'connection') {
      framesPath = String(body.frames);
      onOpen();
    } else if (message.event === 'close') {
      closeCode = Number(body.code) || CLOSE_ABNORMAL;
    } else if (body && typeof body.type === 'string') {
      onEvent(body);
    }
  });

  const query = new URLSearchParams({ v: String(version) });
  if (resume.sessionId) query.set('sessionId', resume.sessionId);
  if (resume.lastSeq !== undefined) query.set('lastSeq', String(resume.lastSeq));

  (async () => {
    let response;
    try {
      response = await fetch(`${path}?${query}`, { headers: { accept: 'text/event-stream' }, cache: 'no-store', signal: aborter.signal });
    } catch {
      return finish(() => onClose(CLOSE_ABNORMAL, false));
    }
    if (!response.ok) {
      const error = await response.json().then((b) => b?.error, () => undefined);
      return finish(() => onRefused(response.status, error));
    }
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.push(decoder.decode(value, { stream: true }));
      }
    } catch {
    }
    finish(() => onClose(closeCode, framesPath !== ''));
  })();

  return {
    kind: 'stream',
    send(message) {
      if (finished || !framesPath) return false;
      const body = JSON.stringify(message);
      posting = posting.then(async () => {
        if (finished) return;
        try {
          const response = await fetch(framesPath, { method: 'POST', headers: { 'content-type': 'application/json' }, body, cache: 'no-store' });
          // 404: the server lost this stream; reading it again recovers.
          if (response.status === 404) finish(() => onClose(CLOSE_ABNORMAL, true));
        } catch {
          finish(() => onClose(CLOSE_ABNORMAL, true));
        }
      });
      return true;
    },
    discard() {
      finished = true;
      aborter.abort();
    },
  };
}
