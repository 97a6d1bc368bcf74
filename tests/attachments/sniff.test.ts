import { describe, expect, it } from 'vitest';
import { cleanFileName } from '../../server/attachments/attachment-intake.js';
import { decodeText, sniffType } from '../../server/attachments/sniff.js';
import { tinyPdf } from '../support/tiny-pdf.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex');

describe('type sniffing', () => {
  it('knows PDFs and images by their bytes, whatever the name says', () => {
    expect(sniffType(tinyPdf(['x']), 'notes.txt')).toEqual({ mime: 'application/pdf', kind: 'pdf' });
    expect(sniffType(PNG, 'photo.pdf')).toEqual({ mime: 'image/png', kind: 'image' });
    expect(sniffType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), 'a.jpg')).toEqual({ mime: 'image/jpeg', kind: 'image' });
    expect(sniffType(Buffer.from('GIF89a\x01\x00', 'latin1'), 'a.gif')).toEqual({ mime: 'image/gif', kind: 'image' });
    expect(sniffType(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1'), 'a.webp')).toEqual({ mime: 'image/webp', kind: 'image' });
  });

  it('names text by its extension only once the bytes are text', () => {
    expect(sniffType(Buffer.from('a,b\n1,2\n'), 'Data.CSV')).toEqual({ mime: 'text/csv', kind: 'text' });
    expect(sniffType(Buffer.from('# Title\n'), 'readme.md')).toEqual({ mime: 'text/markdown', kind: 'text' });
    expect(sniffType(Buffer.from('{"a":1}'), 'x.json')).toEqual({ mime: 'application/json', kind: 'text' });
    expect(sniffType(Buffer.from('plain words\tand tabs\r\n'), 'no-extension')).toEqual({ mime: 'text/plain', kind: 'text' });
  });

  it('treats SVG and HTML as plain text, never as images or pages', () => {
    expect(sniffType(Buffer.from('<svg onload="alert(1)"></svg>'), 'logo.svg')).toEqual({ mime: 'text/plain', kind: 'text' });
    expect(sniffType(Buffer.from('<script>alert(1)</script>'), 'page.html')).toEqual({ mime: 'text/plain', kind: 'text' });
  });

  it('refuses binary formats and broken UTF-8 even when named as text', () => {
    expect(sniffType(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01]), 'tool.txt')).toBeUndefined();
    expect(sniffType(Buffer.from('PK\x03\x04\x14\x00', 'latin1'), 'sheet.csv')).toBeUndefined();
    expect(sniffType(Buffer.from([0x68, 0x69, 0xc3, 0x28]), 'broken.txt')).toBeUndefined();
    expect(sniffType(Buffer.from('text\u0000with a NUL'), 'n.md')).toBeUndefined();
  });

  it('decodes text without its byte-order mark', () => {
    expect(decodeText(Buffer.from('\uFEFFhello'))).toBe('hello');
  });
});

describe('file names', () => {
  it('keeps only the last path part, without control or direction-override characters', () => {
    expect(cleanFileName('C:\\Users\\me\\report.pdf')).toBe('report.pdf');
    expect(cleanFileName('../../etc/passwd')).toBe('passwd');
    expect(cleanFileName('evil\u202Etxt.exe')).toBe('eviltxt.exe');
    expect(cleanFileName('a\nb\u0000c.txt')).toBe('abc.txt');
    expect(cleanFileName('x'.repeat(300))).toHaveLength(200);
    expect(cleanFileName(' / ')).toBeUndefined();
  });
});
