import http from 'node:http';
import net from 'node:net';

/**
 * The cookie a browser test context carries its person in (set by support/browser.ts newContext).
 * Chromium no longer applies a context's extra HTTP headers to WebSocket handshakes, so the header
 * alone would make every page's socket the TEST_MODE person; this proxy sets it from the cookie,
 * which Chromium does send on a handshake. It stands where the company's proxy stands.
 */
export const IDENTITY_COOKIE = 'galaxy-test-identity';

export interface IdentityProxy {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The request's headers with X-EMAIL-USER taken from the identity cookie (when none is sent), the cookie removed. */
export function withIdentity(raw: string[]): string[] {
  const out: string[] = [];
  let email: string | undefined;
  let hasHeader = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    let value = raw[i + 1]!;
    if (name.toLowerCase() === 'x-email-user') hasHeader = true;
    if (name.toLowerCase() === 'cookie') {
      const kept = value.split(/;\s*/).filter((part) => {
        if (!part.startsWith(`${IDENTITY_COOKIE}=`)) return true;
        email = decodeURIComponent(part.slice(IDENTITY_COOKIE.length + 1));
        return false;
      });
      if (kept.length === 0) continue;
      value = kept.join('; ');
    }
    out.push(name, value);
  }
  if (email && !hasHeader) out.push('X-EMAIL-USER', email);
  return out;
}

function headerBlock(raw: string[]): string {
  let text = '';
  for (let i = 0; i < raw.length; i += 2) text += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return text;
}

/** A loopback proxy to `targetPort` for HTTP requests (streamed both ways) and upgrades. */
export async function startIdentityProxy(targetPort: number): Promise<IdentityProxy> {
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const upstream = http.request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: withIdentity(req.rawHeaders) }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('upgrade', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = net.connect(targetPort, '127.0.0.1', () => {
      target.write(`${req.method} ${req.url} HTTP/1.1\r\n${headerBlock(withIdentity(req.rawHeaders))}\r\n`);
      if (head.length > 0) target.write(head);
      target.pipe(client);
      client.pipe(target);
    });
    for (const s of [client, target]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => (client.destroy(), target.destroy()));
    }
    client.on('close', () => target.destroy());
    target.on('close', () => client.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
