import { pino, type Logger } from 'pino';

/**
 * Operator logs: pino JSON on stdout. Secrets are removed by path (headers, keys) and by value
 * (the Redactor below is applied to transcripts, which hold free text). Requests log method, URL
 * and peer, never bodies.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'galaxy-chat' },
      redact: {
        paths: [
          'apiKey',
          '*.apiKey',
          '*.api_key',
          'headers.authorization',
          'headers["x-proxy-secret"]',
          '*.headers.authorization',
          '*.headers["x-proxy-secret"]',
          'secret',
          '*.secret',
        ],
        censor: '[REDACTED]',
      },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}

/**
 * Replaces every configured secret value in a string. Used on every transcript line and on error
 * texts that may echo a provider's message, so a key can never reach a file or a client.
 */
export class Redactor {
  /** The values removed; the streaming redactor for outgoing deltas works from the same list. */
  readonly secrets: readonly string[];

  constructor(secrets: Iterable<string | undefined>) {
    // Very short values would redact ordinary words; real keys and secrets are long.
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.length >= 6))].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
    }
    return out;
  }
}
