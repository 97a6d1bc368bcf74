import { describe, expect, it } from 'vitest';
import { contentDisposition, downloadHeaders, safeContentType } from '../../server/attachments/attachment-download.js';

describe('serving a stored file', () => {
  it('keeps the types a browser cannot execute, and makes everything else opaque bytes', () => {
    expect(safeContentType('text/plain')).toBe('text/plain; charset=utf-8');
    expect(safeContentType('text/csv')).toBe('text/csv; charset=utf-8');
    expect(safeContentType('image/png')).toBe('image/png');
    expect(safeContentType('application/pdf')).toBe('application/pdf');
    for (const risky of ['text/html', 'image/svg+xml', 'application/xhtml+xml', 'text/xml', 'application/javascript', 'text/plain; x=y', '']) {
      expect(safeContentType(risky)).toBe('application/octet-stream');
    }
  });

  it('names the file in an RFC 6266 attachment header that no name can break out of', () => {
    expect(contentDisposition('sales.csv')).toBe(`attachment; filename="sales.csv"; filename*=UTF-8''sales.csv`);
    expect(contentDisposition('Überblick 2026 (final).pdf')).toBe(`attachment; filename="_berblick 2026 (final).pdf"; filename*=UTF-8''%C3%9Cberblick%202026%20%28final%29.pdf`);
    expect(contentDisposition('a"b\\c%41;d.txt')).toBe(`attachment; filename="a_b_c_41;d.txt"; filename*=UTF-8''a%22b%5Cc%2541%3Bd.txt`);
    // Header injection: a CR/LF never reaches the header, in either form.
    const injected = contentDisposition('x\r\nSet-Cookie: a=b.txt');
    expect(injected).not.toMatch(/[\r\n]/);
    expect(injected).toBe(`attachment; filename="x__Set-Cookie: a=b.txt"; filename*=UTF-8''x%0D%0ASet-Cookie%3A%20a%3Db.txt`);
    expect(contentDisposition('日本.txt')).toBe(`attachment; filename="__.txt"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt`);
    expect(contentDisposition('漢')).toBe(`attachment; filename="_"; filename*=UTF-8''%E6%BC%A2`);
  });

  it('sends every header that keeps a file from running as a page', () => {
    expect(Object.fromEntries(downloadHeaders({ name: 'evil.svg', mime: 'text/plain' }))).toEqual({
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Disposition': `attachment; filename="evil.svg"; filename*=UTF-8''evil.svg`,
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'private, no-store',
    });
  });
});
