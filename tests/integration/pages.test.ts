import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';

let g: Galaxy;
beforeAll(async () => {
  g = await startGalaxy({ env: { APP_NAME: 'Acme <Chat>' } });
});
afterAll(async () => g.close());

const version = (pkg: string) => (JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version;

describe('the page and its assets', () => {
  it('serves index.html with a strict CSP, nosniff, no-referrer and the escaped app name', async () => {
    const res = await g.get('/');
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("img-src 'self' data: blob:");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${g.server.port} wss://127.0.0.1:${g.server.port}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.text).toContain('Acme &#60;Chat&#62;');
    expect(res.text).not.toContain('__APP_NAME__');
    expect(res.text).not.toMatch(/<script>(?!<\/script>)/);
  });

  it('serves vendored libraries from node_modules at versioned, immutable paths via a generated vendor module', async () => {
    const vendor = await g.get('/static/vendor.js');
    expect(vendor.headers.get('content-type')).toContain('text/javascript');
    for (const [key, pkg] of [['marked', 'marked'], ['dompurify', 'dompurify'], ['alpinejs-csp', '@alpinejs/csp'], ['highlight.js', 'highlight.js'], ['chart.js', 'chart.js']] as const) {
      const url = new RegExp(`/vendor/${key.replace('.', '\\.')}@${version(pkg).replaceAll('.', '\\.')}/[\\w.-]+`).exec(vendor.text)?.[0];
      expect(url, key).toBeTruthy();
      const lib = await g.get(url!);
      expect(lib.status).toBe(200);
      expect(lib.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
    expect(Number(version('dompurify').split('.')[0])).toBeGreaterThanOrEqual(3);
  });

  it('serves highlight.js as one ES module wrapped from the package’s own CommonJS files', async () => {
    const vendor = await g.get('/static/vendor.js');
    const url = /\/vendor\/highlight\.js@[\d.]+\/highlight\.esm\.js/.exec(vendor.text)?.[0];
    expect(vendor.text).toContain(`export { default as hljs } from '${url}';`);
    const module = await g.get(url!);
    expect(module.headers.get('content-type')).toContain('text/javascript');
    expect(module.text).toContain('hljs.registerLanguage("javascript", ');
    expect(module.text.trimEnd().endsWith('export default hljs;')).toBe(true);
    const { readFileSync } = await import('node:fs');
    const { createRequire } = await import('node:module');
    const core = readFileSync(createRequire(import.meta.url).resolve('highlight.js/lib/core'), 'utf8');
    expect(module.text).toContain(core);
  });

  it('answers conditional requests with 304 and refuses paths outside static/', async () => {
    const first = await g.get('/static/vendor.js');
    const again = await g.get('/static/vendor.js', { 'X-EMAIL-USER': 'alice@example.com', 'If-None-Match': first.headers.get('etag')! });
    expect(again.status).toBe(304);
    for (const path of ['/static/../server/app.ts', '/static/%2e%2e/package.json', '/static/%E0%A4%A', '/static/js/../../package.json', '/vendor/marked@0.0.0/marked.esm.js']) {
      expect((await g.get(path)).status, path).toBe(404);
    }
  });

  it('requires identity for static files too', async () => {
    expect((await g.get('/static/vendor.js', {})).status).toBe(401);
  });
});
