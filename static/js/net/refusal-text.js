/** Operators read the code in the log; people need the next step. */
const NEXT_STEP = {
  BAD_ORIGIN: 'Open the chat through its usual address, or ask the administrator to allow this one.',
  UNAUTHENTICATED: 'Open the chat through the company sign-in.',
  BAD_PROXY_SECRET: 'The sign-in proxy is misconfigured; tell the administrator.',
  UNTRUSTED_PEER: 'The sign-in proxy is not trusted by the chat server; tell the administrator.',
  BAD_IDENTITY: 'Your sign-in name cannot be used here; tell the administrator.',
  DUPLICATE_IDENTITY: 'The sign-in proxy sent your identity twice; tell the administrator.',
  TOO_MANY_CONNECTIONS: 'Close some other chat tabs.',
};

export function refusalText({ status, code, message }) {
  const reason = message || `The server answered with status ${status}.`;
  const step = code ? NEXT_STEP[code] : undefined;
  return `The chat could not connect: ${reason}${step ? ` ${step}` : ''}`;
}

export function backingOffText({ message }) {
  return message ? `${message} Trying again shortly…` : 'Offline — reconnecting…';
}
