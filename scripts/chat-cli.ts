/**
 * A tiny command-line chat client for Galaxy Chat's WebSocket protocol — the quickest way to see a
 * running server answer:  npm run chat -- "What is 12 * 7?"
 *   npm run chat -- --new "Start over"   (a fresh chat instead of joining the browser's)
 * Options (environment): GALAXY_URL (default ws://localhost:$PORT/ws, PORT defaulting to 8000),
 * GALAXY_EMAIL (sent as X-EMAIL-USER; leave unset against a TEST_MODE server), GALAXY_MODEL.
 * Exits 1 when the question is refused or its answer ends in an error, so scripts can rely on it.
 */
import WebSocket from 'ws';

const url = process.env.GALAXY_URL ?? `ws://localhost:${process.env.PORT || '8000'}/ws`;
const args = process.argv.slice(2);
const startNewChat = args.includes('--new');
const question = args.filter((arg) => arg !== '--new').join(' ').trim() || 'Hello! What can you do?';
let newChatSent = false;
let failed = false;
const headers: Record<string, string> = process.env.GALAXY_EMAIL ? { 'X-EMAIL-USER': process.env.GALAXY_EMAIL } : {};
const ws = new WebSocket(url, { headers });
let messageId: string | undefined;
let sent = false; // a joined chat replays its earlier events first: only follow our own question's answer
const clientId = `cli${Date.now()}`;

ws.on('unexpected-response', (_req, res) => {
  let body = '';
  res.on('data', (c: Buffer) => (body += c.toString()));
  res.on('end', () => {
    process.stderr.write(`Connection refused (${res.statusCode}): ${body}\n`);
    process.exit(1);
  });
});
ws.on('error', (err) => {
  process.stderr.write(`Cannot reach ${url}: ${err.message}\nIs the server running (npm run demo)?\n`);
  process.exit(1);
});
ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', v: 1 })));
ws.on('message', (data) => {
  const event = JSON.parse(data.toString()) as Record<string, any>;
  switch (event.type) {
    case 'ready': {
      // The first `ready` joins the person's current chat; after `new-chat` a second one arrives.
      if (startNewChat && !newChatSent) {
        newChatSent = true;
        ws.send(JSON.stringify({ type: 'new-chat' }));
        break;
      }
      const model = process.env.GALAXY_MODEL;
      process.stderr.write(`${event.appName} — signed in as ${event.user}; model ${model ?? event.session.model}\n\n> ${question}\n\n`);
      if (model) ws.send(JSON.stringify({ type: 'select-model', model }));
      ws.send(JSON.stringify({ type: 'send', text: question, clientId }));
      break;
    }
    case 'user-message':
      if (event.clientId === clientId) sent = true;
      break;
    case 'message-start':
      if (sent) messageId = event.id;
      break;
    case 'delta':
      if (event.id === messageId) process.stdout.write(event.text);
      break;
    case 'status':
      if (messageId) process.stderr.write(`\n[${event.text}]\n`);
      break;
    case 'tool-call':
      if (event.messageId === messageId) process.stderr.write(`\n[tool ${event.name} ${JSON.stringify(event.args)}]\n`);
      break;
    case 'tool-result':
      if (event.messageId === messageId) process.stderr.write(`[result] ${String(event.content).slice(0, 500)}\n`);
      break;
    case 'tool-error':
      if (event.messageId === messageId) process.stderr.write(`[tool error ${event.code}] ${event.message}\n`);
      break;
    case 'error': {
      const ours = (event.seq === 0 && !event.messageId) || (messageId !== undefined && event.messageId === messageId);
      if (!ours) break; // an error replayed from the chat's earlier turns
      process.stderr.write(`\n[error ${event.code}] ${event.message}\n`);
      failed = true;
      if (!messageId) ws.close(); // the question was refused: no answer will follow
      break;
    }
    case 'message-end':
      if (event.id === messageId) {
        process.stdout.write('\n');
        if (event.error) failed = true;
        ws.close();
      }
      break;
    default:
      break;
  }
});
ws.on('close', () => process.exit(failed ? 1 : 0));
