import { describe, expect, it } from 'vitest';
import { ChatService } from '../../server/chat/chat-service.js';
import { buildSystemPrompt } from '../../server/chat/system-context.js';
import { SqliteStore } from '../../server/store/sqlite-store.js';
import { TenantBudgets } from '../../server/tenants/tenant-budgets.js';
import { TenantDirectory } from '../../server/tenants/tenant-directory.js';
import { TenantAccessPolicy } from '../../server/tenants/tenant-policy.js';
import { parseTenantsDocument } from '../../server/tenants/tenants-file.js';
import { usageCsv, csvCell } from '../../server/routers/usage-report.js';
import { connect, fakeDeps } from './fake-chat.js';

/** The chat's side of tenants, through ChatService with a fake connection, directory and a memory store. */
const allowAll = { canUseModel: () => true, canUseTool: () => true, canUseDataSource: () => true };
const directory = TenantDirectory.fromFile(
  parseTenantsDocument(
    {
      tenants: [
        { id: 'north', members: ['*@corp.example'], system_prompt: 'North rules.' },
        { id: 'south', members: ['ann@corp.example'], budget: { monthly_requests: 1, warn_at: 0.5 } },
      ],
    },
    {},
  ),
);

function setup() {
  const store = SqliteStore.open(':memory:');
  const budgets = new TenantBudgets(store, directory, { timeZone: 'UTC', reservationTtlMs: 60_000, now: () => new Date('2026-05-05T00:00:00Z') });
  const deps = fakeDeps({ tenants: directory, budgets, policy: new TenantAccessPolicy(directory, allowAll) });
  const chat = new ChatService(deps);
  const { conn, state } = connect('ann@corp.example', undefined, directory);
  chat.handleFrame(state, JSON.stringify({ type: 'hello', v: 1 }), false);
  const frame = (message: object) => chat.handleFrame(state, JSON.stringify(message), false);
  const settled = async () => {
    await state.queue.idle();
    await state.session?.turn?.done;
  };
  return { conn, state, frame, settled, store };
}

describe('select-tenant and budgets in a chat', () => {
  it('starts in the first tenant, switches before the first message, then locks', async () => {
    const { conn, frame, settled } = setup();
    await settled();
    expect(conn.of('ready')[0]).toMatchObject({ session: { tenant: 'north' }, tenants: [{ id: 'north' }, { id: 'south' }] });
    frame({ type: 'select-tenant', tenant: 'nowhere' });
    await settled();
    expect(conn.of('error')[0]?.code).toBe('FORBIDDEN');
    frame({ type: 'select-tenant', tenant: 'south' });
    await settled();
    expect(conn.of('scope')[0]?.session.tenant).toBe('south');
    frame({ type: 'send', text: 'hi' });
    await settled();
    frame({ type: 'select-tenant', tenant: 'north' });
    await settled();
    expect(conn.of('error').at(-1)?.code).toBe('SELECTION_LOCKED');
  });

  it('warns once past warn_at and refuses the next call with the tenant and its reset', async () => {
    const { conn, frame, settled } = setup();
    frame({ type: 'select-tenant', tenant: 'south' });
    frame({ type: 'send', text: 'first' });
    await settled();
    expect(conn.of('budget-warning')).toHaveLength(1);
    frame({ type: 'send', text: 'second' });
    await settled();
    const refused = conn.of('message-end').at(-1)!;
    expect(refused.error).toMatchObject({ code: 'BUDGET_EXCEEDED', tenant: 'south', resetsAt: '2026-06-01T00:00:00.000Z' });
    expect(conn.of('budget-warning')).toHaveLength(1);
  });

  it('adds the tenant’s system prompt after the operator’s', async () => {
    const { state, settled } = setup();
    await settled();
    const deps = fakeDeps({ tenants: directory });
    expect(state.session?.who).toEqual({ user: 'ann@corp.example', tenant: 'north' });
    expect(buildSystemPrompt(deps, state.session!)).toBe('You are a test.\n\nNorth rules.');
    state.session!.tenant = 'south';
    expect(buildSystemPrompt(deps, state.session!)).toBe('You are a test.');
  });
});

describe('the usage CSV', () => {
  it('quotes what needs quoting and defuses formulas', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(-3)).toBe('-3');
    const csv = usageCsv('2026-05', [{ user: '@evil', tenant: 'north', model: 'm,1', month: '2026-05', requests: 1, promptTokens: 2, completionTokens: 3, estimatedCalls: 0 }]);
    expect(csv).toBe("month,tenant,user,model,requests,input_tokens,output_tokens,estimated_calls\r\n2026-05,north,'@evil,\"m,1\",1,2,3,0\r\n");
  });
});
