import type { TemplatedApp } from 'uWebSockets.js';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { downloadHeaders } from '../attachments/attachment-download.js';
import { cleanFileName, intake, refOf, tooLarge } from '../attachments/attachment-intake.js';
import { quotaExceeded } from '../attachments/attachment-limits.js';
import { AppError } from '../errors.js';
import { ipInCidrs } from '../http/cidr.js';
import { originAllowed } from '../http/identity.js';
import { newId } from '../sessions/session-manager.js';
import { authenticated } from './authenticated.js';

const ATTACHMENT_ID = /^[A-Za-z0-9_-]{1,100}$/;

const uploadQuery = z.object({
  conversation: z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/, 'must be a chat id'),
  name: z.string().min(1).max(1000),
});

/**
 * `POST /api/attachments?conversation=<chat id>&name=<file name>` with the file's bytes as the body
 * (docs/api.md). The caller must own the chat; the type is sniffed from the bytes; the answer is the
 * file's reference, whose id a later `send` names, and the person's storage after it. A file that
 * would take their stored total past ATTACHMENT_QUOTA_MB_PER_USER is refused (413 QUOTA_EXCEEDED);
 * the store checks and inserts in one transaction. A cross-site page cannot upload: the Origin is
 * checked exactly as for the WebSocket upgrade.
 */
export function registerAttachmentRoutes(app: TemplatedApp, ctx: AppContext): void {
  const { env } = ctx;
  app.post(
    '/api/attachments',
    authenticated(
      ctx,
      async (reply, request, identity, _params, body) => {
        if (!originAllowed(request, env.ALLOWED_ORIGINS, ipInCidrs(request.peer, env.TRUSTED_PROXIES), env.PUBLIC_URL?.origin)) throw new AppError('BAD_ORIGIN');
        if (!ctx.attachments) throw new AppError('BAD_REQUEST', 'Files cannot be attached on this server: they are kept with chat history, which is turned off (HISTORY_ENABLED=false).');
        const parsed = uploadQuery.safeParse(Object.fromEntries(new URLSearchParams(request.query)));
        if (!parsed.success) throw new AppError('BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        const name = cleanFileName(parsed.data.name);
        if (name === undefined) throw new AppError('BAD_REQUEST', 'name: the file needs a name.');
        let bytes: Buffer;
        try {
          bytes = await body!;
        } catch (err) {
          throw err instanceof AppError && err.code === 'PAYLOAD_TOO_LARGE' ? tooLarge(name, env.ATTACHMENT_MAX_BYTES) : err;
        }
        const conversationId = parsed.data.conversation;
        // A chat that just started may still be on its way to the store.
        await ctx.sessions.get(conversationId, identity.email)?.flushRecords();
        const conversation = await ctx.store.getConversation(conversationId, identity.email);
        if (!conversation || !ctx.tenants.mayOpen(conversation.owner, conversation.tenant)) throw new AppError('NOT_FOUND', 'No such chat.');
        const stored = await intake({ id: newId('f'), conversationId, owner: identity.email, name, bytes, now: new Date() }, ctx.attachments.limits);
        const { quotaBytes } = ctx.attachments.limits;
        const saved = await ctx.store.saveAttachment(stored, quotaBytes);
        if (!saved.ok) {
          ctx.log.info({ user: identity.email, conversation: conversationId, size: stored.size, usedBytes: saved.usedBytes, quotaBytes }, 'file refused: quota');
          throw quotaExceeded(name, stored.size, saved.usedBytes, quotaBytes);
        }
        ctx.log.info({ user: identity.email, conversation: conversationId, attachment: stored.id, mime: stored.mime, size: stored.size }, 'file attached');
        if (reply.aborted) return;
        reply.json(201, { ...refOf(stored), conversationId, storage: { usedBytes: saved.usedBytes, allowedBytes: quotaBytes } });
      },
      0,
      { maxBodyBytes: env.ATTACHMENT_MAX_BYTES },
    ),
  );

  // `GET /api/attachments/:id`: the owner's file back, as a download that can never run (attachment-download.ts).
  app.get(
    '/api/attachments/:id',
    authenticated(
      ctx,
      async (reply, _request, identity, [id]) => {
        const notFound = new AppError('NOT_FOUND', 'No such file.');
        // A malformed id reads like an unknown one: nothing tells a prober which ids are well formed.
        if (!ctx.attachments || !ATTACHMENT_ID.test(id ?? '')) throw notFound;
        const file = await ctx.store.getAttachment(id!, identity.email);
        // The chat's tenant rules apply to its files: one the person may no longer open is not theirs to read.
        const conversation = file && (await ctx.store.getConversation(file.conversationId, identity.email));
        if (!file || !conversation || !ctx.tenants.mayOpen(conversation.owner, conversation.tenant)) throw notFound;
        if (reply.aborted) return;
        reply.send(200, file.data, downloadHeaders(file));
      },
      1,
    ),
  );
}
