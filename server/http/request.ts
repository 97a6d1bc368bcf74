import type { HttpRequest, HttpResponse } from 'uWebSockets.js';

/**
 * A plain copy of what we need from a uWS request. uWS `req` is only valid until the handler returns
 * or first awaits, so every handler MUST take this snapshot synchronously before anything async.
 */
export interface RequestSnapshot {
  method: string;
  url: string;
  query: string;
  /** Lower-cased header names, every occurrence kept (so duplicates can be detected). */
  headers: Map<string, string[]>;
  peer: string;
}

export function snapshotRequest(res: HttpResponse, req: HttpRequest): RequestSnapshot {
  const headers = new Map<string, string[]>();
  req.forEach((key, value) => {
    const list = headers.get(key);
    if (list) list.push(value);
    else headers.set(key, [value]);
  });
  return {
    method: req.getMethod(),
    url: req.getUrl(),
    query: req.getQuery() ?? '',
    headers,
    peer: Buffer.from(res.getRemoteAddressAsText()).toString(),
  };
}

export function header(snapshot: RequestSnapshot, name: string): string | undefined {
  return snapshot.headers.get(name)?.[0];
}
