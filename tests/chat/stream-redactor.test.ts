import { describe, expect, it } from 'vitest';
import { REDACTED, StreamRedactor, redactWhole } from '../../server/chat/stream-redactor.js';

const KEY = 'sk-upstream-secret-key-0123456789';

/** Feeds pieces through a redactor and returns everything it let out. */
function stream(secrets: string[], pieces: string[]): { out: string; emitted: string[] } {
  const r = new StreamRedactor(secrets);
  const emitted = pieces.map((p) => r.push(p));
  emitted.push(r.end());
  return { out: emitted.join(''), emitted };
}

describe('StreamRedactor', () => {
  it('replaces a secret that arrives whole', () => {
    expect(stream([KEY], [`the key is ${KEY}.`]).out).toBe(`the key is ${REDACTED}.`);
  });

  it('catches a secret split at every possible point, and in single characters', () => {
    const text = `before ${KEY} after`;
    for (let cut = 1; cut < text.length; cut += 1) {
      const { out, emitted } = stream([KEY], [text.slice(0, cut), text.slice(cut)]);
      expect(out, `cut at ${cut}`).toBe(`before ${REDACTED} after`);
      for (const piece of emitted) expect(piece).not.toContain(KEY.slice(0, 12));
    }
    expect(stream([KEY], [...text]).out).toBe(`before ${REDACTED} after`);
  });

  it('never lets out any piece that, joined with earlier output, reveals the secret', () => {
    const { emitted } = stream([KEY], [...`x${KEY}y${KEY}`]);
    let sent = '';
    for (const piece of emitted) {
      sent += piece;
      expect(sent).not.toContain(KEY);
    }
  });

  it('holds back only a tail that could start a secret, and releases it at the end', () => {
    const r = new StreamRedactor([KEY]);
    expect(r.push('plain words ')).toBe('plain words ');
    expect(r.push('and sk-up')).toBe('and ');
    expect(r.push('s and more')).toBe('sk-ups and more');
    expect(r.push('tail sk')).toBe('tail ');
    expect(r.end()).toBe('sk');
  });

  it('handles overlapping candidates and several secrets, longest first', () => {
    expect(stream(['abcabd'], ['abcab', 'cabd!']).out).toBe(`abc${REDACTED}!`);
    expect(stream(['secret-one', 'secret-one-longer'], ['a secret-one-lon', 'ger b secret-one c']).out).toBe(`a ${REDACTED} b ${REDACTED} c`);
  });

  it('passes text straight through when no secret is configured', () => {
    expect(stream([], ['sk-', 'anything']).emitted).toEqual(['sk-', 'anything', '']);
  });

  it('redactWhole replaces every occurrence in complete text', () => {
    expect(redactWhole(`{"k":"${KEY}","again":"${KEY}"}`, [KEY])).toBe(`{"k":"${REDACTED}","again":"${REDACTED}"}`);
  });
});

describe('StreamRedactor with secrets inside secrets', () => {
  it('never leaks the rest of a longer secret whose start is a shorter one, wherever it is cut', () => {
    const secrets = ['secret-one', 'secret-one-longer'];
    const text = 'a secret-one-longer b secret-one c secret-one-lo';
    for (let cut = 1; cut < text.length; cut += 1) {
      const { out } = stream(secrets, [text.slice(0, cut), text.slice(cut)]);
      expect(out, `cut at ${cut}`).toBe(`a ${REDACTED} b ${REDACTED} c ${REDACTED}-lo`);
    }
  });
});
