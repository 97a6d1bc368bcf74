import type { HttpResponse } from 'uWebSockets.js';
import { AppError } from '../errors.js';
import type { Reply } from './reply.js';
import { header, type RequestSnapshot } from './request.js';

/**
 * Collects a request body of at most `maxBytes`. MUST be called synchronously in the uWS handler
 * (before any await), or chunks that arrive meanwhile are lost. uWS reuses each chunk's memory after
 * the callback, so every chunk is copied.
 */
export function readBody(res: HttpResponse, reply: Reply, request: RequestSnapshot, maxBytes: number): Promise<Buffer> {
  const declared = header(request, 'content-length');
  if (declared !== undefined && Number(declared) > maxBytes) return Promise.reject(new AppError('PAYLOAD_TOO_LARGE'));
  if ((declared === undefined || declared === '0') && header(request, 'transfer-encoding') === undefined) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    reply.onAbort(() => reject(new AppError('BAD_REQUEST', 'The request was aborted.')));
    res.onData((chunk, isLast) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > maxBytes) {
        failed = true;
        reject(new AppError('PAYLOAD_TOO_LARGE'));
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0)));
      if (isLast) resolve(Buffer.concat(chunks));
    });
  });
}
