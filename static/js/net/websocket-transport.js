/** `opened` false: the handshake failed, and a browser tells scripts nothing about why. */
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
      return; // a broken frame is not worth killing the page for
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
    discard() {
      finished = true;
      if (socket.readyState <= WebSocket.OPEN) socket.close(1000, 'client closing');
    },
  };
}
