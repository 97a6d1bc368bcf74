import type { Logger } from 'pino';

export type SendResult = 'sent' | 'buffered' | 'dropped';

/**
 * How the domain talks to a client. The WebSocket router implements it over uWS; tests can use a
 * fake. The domain never sees the transport.
 */
export interface Connection {
  readonly id: string;
  readonly user: string;
  readonly log: Logger;
  /** Sends one serialized frame. */
  send(json: string): SendResult;
  /** Bytes queued in the socket but not yet written. */
  bufferedAmount(): number;
  close(code: number, reason: string): void;
  readonly closed: boolean;
}
