/**
 * One WebSocket attempt. `onOpen` once the handshake succeeded, `onEvent` per protocol event,
 * `onClose(code, opened)` once: `opened` false means the handshake itself failed, and a browser
 * tells scripts nothing about why (the caller asks the connection check).
 */
export function openWebSocket(url, { onOpen, onEvent, onClose }) {
  const socket = new WebSocket(url);
  let opened = false;
  let finished = false;
  socket.addEventListener('open', () => {
    opened = true;
    onOpen();
  });
  socket.addEventListener('message', (message) => {
    if (finished || typeof message.data !== 'string') return;
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return; // the server only sends JSON; a broken frame is not worth killing the page for
    }
    if (event && typeof event.type === 'string') onEvent(event);
  });
  socket.addEventListener('close', (closeEvent) => {
    if (finished) return;
    finished = true;
    onClose(closeEvent.code, opened);
  });
  return {
    kind: 'websocket',
    send(message) {
      if (finished || socket.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(message));
      return true;
    },
    /** Ends the attempt without reporting a close: the caller already moved on. */
    discard() {
      finished = true;
      if (socket.readyState <= WebSocket.OPEN) socket.close(1000, 'client closing');
    },
  };
}
