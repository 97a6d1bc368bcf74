import { describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors.js';
import { convertMcpResult } from '../../server/tools/mcp/mcp-result.js';
import { McpTool } from '../../server/tools/mcp/mcp-tool.js';
import { toolUi } from '../../server/tools/ui.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('MCP results', () => {
  it('keeps text for the model and picks a table from tabular structured content', () => {
    const result = convertMcpResult({ content: [{ type: 'text', text: 'two rows' }], structuredContent: { rows: [{ a: 1, b: 'x' }, { a: 2, c: true }] } });
    expect(convertMcpResult({ content: [], structuredContent: { rows: [{ a: { nested: 1 } }] } }).ui).toMatchObject({ rows: [['{"nested":1}']] });
    expect(result).toEqual({ content: 'two rows', ui: { type: 'table', columns: ['a', 'b', 'c'], rows: [[1, 'x', null], [2, null, true]] } });
    expect(toolUi.safeParse(result.ui).success).toBe(true);
  });

  it('gives the model structured content as JSON when there is no text', () => {
    expect(convertMcpResult({ content: [], structuredContent: { n: 3 } }).content).toBe('{"n":3}');
  });

  it('shows raster images, never SVG, and http(s) resource links only', () => {
    const image = convertMcpResult({ content: [{ type: 'image', data: PNG, mimeType: 'image/png' }] });
    expect(image.ui).toEqual({ type: 'image', src: `data:image/png;base64,${PNG}`, alt: 'Image returned by the tool' });
    expect(toolUi.safeParse(image.ui).success).toBe(true);
    expect(convertMcpResult({ content: [{ type: 'image', data: 'PHN2Zz4=', mimeType: 'image/svg+xml' }] }).ui).toBeUndefined();
    const links = convertMcpResult({
      content: [
        { type: 'resource_link', uri: 'https://example.com/a', name: 'a', title: 'Doc A' },
        { type: 'resource_link', uri: 'file:///etc/passwd', name: 'passwd' },
      ],
    });
    expect(links.ui).toEqual({ type: 'links', links: [{ url: 'https://example.com/a', title: 'Doc A' }] });
    expect(links.content).toContain('[resource: passwd <file:///etc/passwd>]');
    expect(toolUi.safeParse({ type: 'links', links: [{ url: 'javascript:alert(1)' }] }).success).toBe(false);
    expect(toolUi.safeParse({ type: 'image', src: 'data:image/svg+xml;base64,PHN2Zz4=' }).success).toBe(false);
  });

  it('turns isError into a tool error with the server’s words', () => {
    expect(() => convertMcpResult({ isError: true, content: [{ type: 'text', text: 'no such issue' }] })).toThrow(AppError);
    expect(() => convertMcpResult({ isError: true, content: [{ type: 'text', text: 'no such issue' }] })).toThrow('no such issue');
  });

  it('checks arguments against the server’s JSON schema', () => {
    const caller = { call: async () => ({ content: '' }) };
    const tool = new McpTool('jira', { name: 'search', inputSchema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } }, 1000, caller);
    expect(tool.name).toBe('jira__search');
    expect(tool.checkArguments({ q: 'bug' })).toEqual({ ok: true, value: { q: 'bug' } });
    expect(tool.checkArguments({})).toMatchObject({ ok: false });
    expect(tool.checkArguments({ q: 5 })).toMatchObject({ ok: false });
    expect(tool.checkArguments([1])).toEqual({ ok: false, message: 'arguments must be a JSON object' });
  });
});
