import { describe, expect, it } from 'vitest';
import { ChatService } from '../../server/chat/chat-service.js';
import type { ConnectionState } from '../../server/chat/connection-state.js';
import { AppError } from '../../server/errors.js';
import { handleFramePost } from '../../server/transport/frame-post.js';
import { connect, fakeDeps } from '../chat/fake-chat.js';

function setup() {
  const service = new ChatService(fakeDeps());
  const { conn, state } = connect('ann@example.com', 'c_ann');
  const streams = new Map<string, ConnectionState>([['c_ann', state]]);
  const handled: Array<{ raw: string; isBinary: boolean }> = [];
  const deps = {
    find: (id: string) => streams.get(id),
    handleFrame: (s: ConnectionState, raw: string, isBinary: boolean) => {
      handled.push({ raw, isBinary });
      service.handleFrame(s, raw, isBinary);
    },
  };
  return { conn, state, deps, handled };
}

const body = (text: string) => Promise.resolve(Buffer.from(text));

describe('handleFramePost', () => {
  it('hands a posted frame to the chat service, whose reply goes to the stream', async () => {
    const { conn, deps } = setup();
    await handleFramePost(deps, 'ann@example.com', 'c_ann', body('{"type":"hello","v":1}'));
    await expect.poll(() => conn.of('ready').length).toBe(1);
    expect(conn.of('ready')[0]).toMatchObject({ user: 'ann@example.com', seq: 0 });
  });

  it('answers someone else\'s connection id exactly like an unknown one, without handling the frame', async () => {
    const { deps, handled } = setup();
    const foreign = await handleFramePost(deps, 'bob@example.com', 'c_ann', body('{"type":"stop"}')).catch((e: unknown) => e);
    const unknown = await handleFramePost(deps, 'ann@example.com', 'c_none', body('{"type":"stop"}')).catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(AppError);
    expect(foreign).toMatchObject({ code: 'NOT_FOUND', message: 'No such chat connection; open the event stream again.' });
    expect(unknown).toMatchObject({ code: (foreign as AppError).code, message: (foreign as AppError).message });
    expect(handled).toEqual([]);
  });

  it('refuses frames for a stream that has closed', async () => {
    const { conn, deps, handled } = setup();
    conn.close(1000);
    await expect(handleFramePost(deps, 'ann@example.com', 'c_ann', body('{"type":"stop"}'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(handled).toEqual([]);
  });

  it('closes the stream with 1009 when the body is over the frame limit', async () => {
    const { conn, deps } = setup();
    const tooBig = Promise.reject(new AppError('PAYLOAD_TOO_LARGE'));
    await expect(handleFramePost(deps, 'ann@example.com', 'c_ann', tooBig)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(conn.closeCode).toBe(1009);
  });

  it('treats a body that is not UTF-8 as a binary frame, which the service refuses', async () => {
    const { conn, deps, handled } = setup();
    await handleFramePost(deps, 'ann@example.com', 'c_ann', Promise.resolve(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])));
    expect(handled).toEqual([{ raw: '', isBinary: true }]);
    expect(conn.of('error')[0]).toMatchObject({ code: 'BAD_MESSAGE', message: 'Binary frames are not accepted; send JSON text.' });
  });

  it('gives an invalid frame the same error event a socket frame gets', async () => {
    const { conn, deps } = setup();
    await handleFramePost(deps, 'ann@example.com', 'c_ann', body('{"type":"send"}'));
    expect(conn.of('error')[0]).toMatchObject({ code: 'BAD_MESSAGE' });
  });
});
