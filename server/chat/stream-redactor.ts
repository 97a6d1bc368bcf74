/**
 * Removes configured secrets from a text stream that arrives in pieces (answer deltas), so a key an
 * upstream echoes never reaches a WebSocket frame even when it is split across deltas (checklist 45).
 *
 * Each push emits everything that can no longer become part of a secret and holds back only the
 * longest tail that is a prefix of some secret (at most max-secret-length − 1 characters). Proof
 * sketch: a secret occurrence that starts in the emitted part and runs past the end of the buffer
 * would make the buffer's suffix from its start a proper prefix of that secret — and the held tail
 * is the longest such suffix, so it starts no later. Ordinary text is held back only when its last
 * characters happen to spell the start of a secret.
 */

export const REDACTED = '[REDACTED]';

export class StreamRedactor {
  private held = '';

  private readonly secrets: readonly string[];

  constructor(secrets: readonly string[]) {
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  }

  /** Text safe to send now. */
  push(text: string): string {
    if (this.secrets.length === 0) return text;
    const buffer = this.held + text;
    // Decided on the raw text: a short secret inside the tail may be the start of a longer one.
    const cut = buffer.length - this.secretPrefixTail(buffer);
    let out = '';
    let i = 0;
    for (;;) {
      // The earliest whole secret starting before the cut (ties: the longest, listed first).
      let best = -1;
      let length = 0;
      for (const secret of this.secrets) {
        const at = buffer.indexOf(secret, i);
        if (at !== -1 && at < cut && (best === -1 || at < best)) {
          best = at;
          length = secret.length;
        }
      }
      if (best === -1) break;
      out += buffer.slice(i, best) + REDACTED;
      i = best + length;
    }
    if (i < cut) out += buffer.slice(i, cut);
    this.held = buffer.slice(Math.max(i, cut));
    return out;
  }

  /** The stream ended: what was held back cannot complete a secret any more, but may hold a shorter one. */
  end(): string {
    const rest = redactWhole(this.held, this.secrets);
    this.held = '';
    return rest;
  }

  /** Length of the longest suffix of `buffer` that is a proper prefix of a secret. */
  private secretPrefixTail(buffer: string): number {
    let longest = 0;
    for (const secret of this.secrets) {
      // Only starts within the last secret.length − 1 characters can be a proper prefix.
      let start = Math.max(0, buffer.length - secret.length + 1);
      const first = secret[0]!;
      while (start < buffer.length && buffer.length - start > longest) {
        const at = buffer.indexOf(first, start);
        if (at === -1 || buffer.length - at <= longest) break;
        if (secret.startsWith(buffer.slice(at))) {
          longest = buffer.length - at;
          break;
        }
        start = at + 1;
      }
    }
    return longest;
  }
}

/** Every whole occurrence of every secret replaced (for text that is complete, e.g. tool arguments). */
export function redactWhole(text: string, secrets: readonly string[]): string {
  let out = text;
  // Callers pass the list longest first (StreamRedactor sorts it), so a containing secret goes whole.
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}
