import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';

/** Checklist 44 against the real server: a rule written with capitals grants its person; dead rules are logged. */

const lines: Array<{ level: number; msg: string }> = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    done();
  },
});

let g: Galaxy;
beforeAll(async () => {
  g = await startGalaxy({
    logger: createLogger('warn', sink),
    accessYaml: [
      'groups:',
      '  everyone:',
      '    match: ["*"]',
      '    models: [demo]',
      '  partner:',
      '    match: ["Dana@Partner.example", "*@intranet"]',
      '    models: [fake]',
      '    tools: [basic_math]',
      '',
    ].join('\n'),
  });
});
afterAll(async () => g?.close());

describe('access rules written with capitals', () => {
  it('grant the person they name, whatever case the proxy sends', async () => {
    for (const email of ['dana@partner.example', 'Dana@Partner.Example']) {
      const { client, ready } = await g.open({ email });
      expect(ready.user).toBe('dana@partner.example');
      expect(ready.models.map((m: { name: string }) => m.name).sort()).toEqual(['demo', 'fake']);
      expect(ready.tools.map((t: { name: string }) => t.name)).toEqual(['basic_math']);
      client.close();
      await client.closed;
    }
    const { client, ready } = await g.open({ email: 'dan@partner.example' });
    expect(ready.models.map((m: { name: string }) => m.name)).toEqual(['demo']);
    client.close();
  });

  it('logs a warning at load for a rule that can never match', () => {
    const warnings = lines.filter((l) => l.level === 40).map((l) => l.msg);
    expect(warnings.some((m) => m.includes('groups.partner: "*@intranet" can never match'))).toBe(true);
    expect(warnings.some((m) => m.includes('Dana@Partner.example'))).toBe(false);
  });
});
