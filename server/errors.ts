/**
 * One error type with stable codes. Every failure that reaches a client goes through here, so the
 * HTTP status and the WebSocket error event for a code are decided in exactly one place.
 */

export const ERROR_CODES = {
  BAD_MESSAGE: { http: 400, text: 'The message is not valid.' },
  BAD_REQUEST: { http: 400, text: 'The request is not valid.' },
  BAD_IDENTITY: { http: 400, text: 'The identity header is malformed.' },
  DUPLICATE_IDENTITY: { http: 400, text: 'The identity header was sent more than once.' },
  UNAUTHENTICATED: { http: 401, text: 'No identity: Galaxy Chat must be reached through the company proxy.' },
  BAD_PROXY_SECRET: { http: 401, text: 'The proxy secret is missing or wrong.' },
  UNTRUSTED_PEER: { http: 403, text: 'This address may not assert an identity.' },
  GATEWAY_TOKEN: { http: 401, text: 'The MCP gateway needs a valid client token (Authorization: Bearer …).' },
  BAD_ORIGIN: { http: 403, text: 'This origin may not open a chat connection.' },
  FORBIDDEN: { http: 403, text: 'You are not allowed to do that.' },
  NOT_FOUND: { http: 404, text: 'Not found.' },
  PAYLOAD_TOO_LARGE: { http: 413, text: 'The request is too large.' },
  UNSUPPORTED_FILE: { http: 415, text: 'This kind of file cannot be attached.' },
  QUOTA_EXCEEDED: { http: 413, text: 'Your stored files would pass your storage limit.' },
  IMAGES_UNSUPPORTED: { http: 400, text: 'The chosen model does not accept images.' },
  URL_TOO_LONG: { http: 414, text: 'The request URL is too long.' },
  RATE_LIMITED: { http: 429, text: 'Too many requests; slow down.' },
  TOO_MANY_CONNECTIONS: { http: 429, text: 'Too many connections.' },
  TURN_IN_PROGRESS: { http: 409, text: 'An answer is already being generated.' },
  PROTOCOL_VERSION: { http: 400, text: 'Unsupported protocol version.' },
  HELLO_REQUIRED: { http: 400, text: 'The first message must be hello.' },
  MODEL_UNAVAILABLE: { http: 503, text: 'That model is not available.' },
  LLM_UNAVAILABLE: { http: 502, text: 'The model could not be reached.' },
  LLM_AUTH: { http: 502, text: 'The model rejected our credentials.' },
  LLM_RATE_LIMITED: { http: 503, text: 'The model is rate limited; try again shortly.' },
  LLM_ERROR: { http: 502, text: 'The model returned an error.' },
  LLM_STREAM_INCOMPLETE: { http: 502, text: 'The answer stream ended before it was complete.' },
  LLM_STALLED: { http: 504, text: 'The model stopped sending data.' },
  LLM_RESPONSE_TOO_LARGE: { http: 502, text: 'The answer exceeded the size limit.' },
  TURN_TIMEOUT: { http: 504, text: 'The answer took too long.' },
  TOOL_TIMEOUT: { http: 504, text: 'The tool took too long and was stopped.' },
  TOOL_FAILED: { http: 500, text: 'The tool failed.' },
  TOOL_BAD_ARGUMENTS: { http: 400, text: 'The tool arguments are not valid.' },
  TOOL_UNKNOWN: { http: 404, text: 'No such tool is available in this chat.' },
  TOOL_FORBIDDEN: { http: 403, text: 'You are not allowed to use this tool or data source.' },
  TOOL_UNAVAILABLE: { http: 503, text: 'The tool is temporarily unavailable.' },
  SELECTION_LOCKED: { http: 409, text: 'Tools, data sources and the tenant are locked once the chat has started.' },
  NO_TENANT: { http: 403, text: 'Your account is not set up for any organisation on this server; ask your administrator to add you.' },
  BUDGET_EXCEEDED: { http: 429, text: 'This organisation has used its monthly budget.' },
  RESUME_GAP: { http: 410, text: 'Some earlier events are no longer buffered; the conversation was re-sent.' },
  SHUTTING_DOWN: { http: 503, text: 'The server is restarting.' },
  ANSWER_INTERRUPTED: { http: 503, text: 'The server writing this answer stopped before it finished.' },
  STORE_UNAVAILABLE: { http: 503, text: 'The chat history database is unavailable.' },
  WEBSOCKET_DISABLED: { http: 503, text: 'Live chat is turned off on this server (DISABLE_WEBSOCKET).' },
  INTERNAL: { http: 500, text: 'Something went wrong on our side.' },
} as const satisfies Record<string, { http: number; text: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Plain facts a client may act on, e.g. BUDGET_EXCEEDED's tenant and when the budget resets. */
export interface ErrorDetails {
  tenant?: string;
  /** ISO 8601. */
  resetsAt?: string;
  /** QUOTA_EXCEEDED: bytes of files the person has stored, and the most they may (ATTACHMENT_QUOTA_MB_PER_USER). */
  usedBytes?: number;
  allowedBytes?: number;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; details?: ErrorDetails }) {
    super(message ?? ERROR_CODES[code].text, options);
    this.name = 'AppError';
    this.code = code;
    this.httpStatus = ERROR_CODES[code].http;
    this.details = options?.details ?? {};
  }

  /** The body of a WebSocket `error` event. */
  toEvent(): { code: ErrorCode; message: string } & ErrorDetails {
    return { code: this.code, message: this.message, ...this.details };
  }
}

/** Normalises anything thrown into an AppError; unknown failures become INTERNAL with the cause kept. */
export function toAppError(err: unknown, fallback: ErrorCode = 'INTERNAL'): AppError {
  if (err instanceof AppError) return err;
  return new AppError(fallback, undefined, { cause: err });
}

export const HTTP_STATUS_TEXT: Record<number, string> = {
  200: '200 OK',
  201: '201 Created',
  204: '204 No Content',
  304: '304 Not Modified',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  409: '409 Conflict',
  410: '410 Gone',
  413: '413 Payload Too Large',
  414: '414 URI Too Long',
  415: '415 Unsupported Media Type',
  429: '429 Too Many Requests',
  500: '500 Internal Server Error',
  502: '502 Bad Gateway',
  503: '503 Service Unavailable',
  504: '504 Gateway Timeout',
};
