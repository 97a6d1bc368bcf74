import type { Logger } from 'pino';
import type { TemplatedApp } from 'uWebSockets.js';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { AppError } from '../errors.js';
import { exportJson, exportMarkdown, exportText } from '../store/conversation-export.js';
import type { ConversationRecord, Store } from '../store/store.js';
import type { TenantDirectory } from '../tenants/tenant-directory.js';
import { authenticated } from './authenticated.js';

export interface ConversationRoutesDeps {
  store: Store;
  /** A chat of a tenant the caller no longer works for answers like a missing one. */
  tenants: Pick<TenantDirectory, 'mayOpen' | 'get'>;
  /** What the identity check needs: settings and the app name (env) and a logger. */
  identity: Pick<AppContext, 'env' | 'log'>;
  log: Logger;
  now?: () => Date;
  /**
   * Resolves once this person's live chats here have written what they recorded: the page asks
   * right after an answer ends, and must see that answer (read your own writes).
   */
  written?: (user: string) => Promise<void>;
}

const MAX_PATCH_BYTES = 4 * 1024;
const DEFAULT_PAGE = 30;
const MAX_PAGE = 100;
const MAX_QUERY_CHARS = 200;

const patchSchema = z.strictObject({
  title: z.string().trim().min(1, 'title must not be empty').max(200, 'title must be at most 200 characters'),
});

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE),
  cursor: z.string().max(500).optional(),
  q: z.string().max(MAX_QUERY_CHARS).optional(),
});

function parseQuery<T extends z.ZodType>(schema: T, query: string): z.output<T> {
  const result = schema.safeParse(Object.fromEntries(new URLSearchParams(query)));
  if (!result.success) throw new AppError('BAD_REQUEST', result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return result.data;
}

/** A file name that is safe in a quoted Content-Disposition: ids are ours, but never trust them. */
function attachment(id: string, ext: string): [string, string] {
  return ['Content-Disposition', `attachment; filename="galaxy-chat-${id.replace(/[^A-Za-z0-9_-]/g, '_')}.${ext}"`];
}

/**
 * The history API (docs/api.md). Everything is scoped to the caller: another person's conversation
 * answers exactly like one that does not exist (404), so ids cannot be probed.
 * uWS: `authenticated` registers onAborted before any await; `reply` corks late writes and drops
 * them after an abort, and each handler checks `reply.aborted` after its awaits.
 */
export function registerConversationRoutes(app: TemplatedApp, deps: ConversationRoutesDeps): void {
  const { store } = deps;
  const now = deps.now ?? (() => new Date());

  const visible = (c: ConversationRecord) => deps.tenants.mayOpen(c.owner, c.tenant);
  // Each chat shows its tenant by name (the sidebar labels chats of several tenants).
  const labelled = <T extends ConversationRecord>(c: T) => ({ ...c, tenantName: deps.tenants.get(c.tenant)?.name ?? c.tenant });
  const loadConversation = async (id: string, owner: string) => {
    const conversation = await store.getConversation(id, owner);
    if (!conversation || !visible(conversation)) throw new AppError('NOT_FOUND');
    return labelled(conversation);
  };

  app.get(
    '/api/conversations',
    authenticated(deps.identity, async (reply, request, identity) => {
      const query = parseQuery(listQuery, request.query);
      await deps.written?.(identity.email);
      if (query.q !== undefined) {
        const hits = await store.searchConversations(identity.email, query.q, { limit: query.limit });
        if (reply.aborted) return;
        reply.json(200, { items: hits.filter((h) => visible(h.conversation)).map((h) => ({ ...labelled(h.conversation), snippet: h.snippet, rank: h.rank })) });
        return;
      }
      const page = await store.listConversations(identity.email, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
      if (reply.aborted) return;
      reply.json(200, { ...page, items: page.items.filter(visible).map(labelled) });
    }),
  );

  app.get(
    '/api/conversations/:id',
    authenticated(
      deps.identity,
      async (reply, _request, identity, [id = '']) => {
        const conversation = await loadConversation(id, identity.email);
        const messages = await store.getMessages(id, identity.email);
        if (reply.aborted) return;
        reply.json(200, { conversation, messages });
      },
      1,
    ),
  );

  app.patch(
    '/api/conversations/:id',
    authenticated(
      deps.identity,
      async (reply, request, identity, [id = ''], body) => {
        if (!request.headers.get('content-type')?.[0]?.toLowerCase().startsWith('application/json')) {
          throw new AppError('BAD_REQUEST', 'The body must be JSON (Content-Type: application/json).');
        }
        const raw = (await body!).toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw);
        } catch {
          throw new AppError('BAD_REQUEST', 'The body is not valid JSON.');
        }
        const patch = patchSchema.safeParse(parsed);
        if (!patch.success) throw new AppError('BAD_REQUEST', patch.error.issues.map((i) => i.message).join('; '));
        if (!(await store.updateConversation(id, identity.email, { title: patch.data.title }))) throw new AppError('NOT_FOUND');
        const conversation = await loadConversation(id, identity.email);
        if (reply.aborted) return;
        reply.json(200, conversation);
      },
      1,
      { maxBodyBytes: MAX_PATCH_BYTES },
    ),
  );

  app.del(
    '/api/conversations/:id',
    authenticated(
      deps.identity,
      async (reply, _request, identity, [id = '']) => {
        await loadConversation(id, identity.email);
        if (!(await store.deleteConversation(id, identity.email))) throw new AppError('NOT_FOUND');
        deps.log.info({ user: identity.email, conversation: id }, 'conversation deleted');
        if (reply.aborted) return;
        reply.send(204, '', [['Cache-Control', 'no-store']]);
      },
      1,
    ),
  );

  // build: null means the versioned JSON format.
  const exportRoute = (ext: 'txt' | 'md' | 'json', contentType: string, build: typeof exportText | null) =>
    authenticated(
      deps.identity,
      async (reply, _request, identity, [id = '']) => {
        const conversation = await loadConversation(id, identity.email);
        const messages = await store.getMessages(id, identity.email);
        if (reply.aborted) return;
        const text = build ? build(conversation, messages, deps.identity.env.APP_NAME) : JSON.stringify(exportJson(conversation, messages, now()), null, 2);
        reply.send(200, text, [['Content-Type', contentType], attachment(id, ext), ['Cache-Control', 'no-store']]);
      },
      1,
    );
  app.get('/api/conversations/:id/export.txt', exportRoute('txt', 'text/plain; charset=utf-8', exportText));
  app.get('/api/conversations/:id/export.md', exportRoute('md', 'text/markdown; charset=utf-8', exportMarkdown));
  app.get('/api/conversations/:id/export.json', exportRoute('json', 'application/json; charset=utf-8', null));
}
