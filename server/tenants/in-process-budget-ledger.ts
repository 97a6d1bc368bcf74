import { randomUUID } from 'node:crypto';
import type { BudgetAmounts, BudgetDimension, BudgetRequest, BudgetReservation, Store } from '../store/store.js';
import { isPostgresUrl } from '../store/open-store.js';
import type { BudgetStore } from './tenant-budgets.js';

/**
 * The budget ledger of a single-process SQLite deployment, kept in this process (BUDGET_LEDGER=process).
 *
 * Why: through the store worker every reserve and settle is a thread round trip, and on two busy cores
 * that hop — not the 25 µs of SQL — is what costs milliseconds at p99 (docs/benchmarks.md). SQLite is
 * one file owned by one process, so this process already sees every reservation there is: the check
 * and the hold can happen here, in one synchronous step of the event loop, which is as atomic as an
 * immediate transaction was (no await between reading what is used and holding; design §13).
 *
 * What is durable, and when:
 * - Settled charges are handed to the store (budget_spent) inside settle(), before it returns, and
 *   the store applies them before any call made after (Store.addBudgetSpent): the message's usage row
 *   comes after its charge, so it never survives a crash without it. A charge whose write fails is
 *   kept and written with the next one.
 * - Reservations live only here. A crash loses the in-flight ones, as design §13 allows: those calls
 *   died with the process. Reservations an older server left in the store count until they expire.
 * - A month is read from the store once per process, the first time a tenant's budget is touched.
 *
 * Multi-instance deployments use PostgreSQL, whose store transactions stay the ledger (app.ts).
 */

type LedgerStore = Pick<Store, 'budgetLedgerState' | 'addBudgetSpent'>;

export interface InProcessBudgetLedgerOptions {
  /** Told when a settled charge could not be written; it is kept and written with the next settle or drain(). */
  onWriteError?: (err: unknown, tenant: string, month: string) => void;
}

const DIMENSIONS: readonly BudgetDimension[] = ['requests', 'promptTokens', 'completionTokens'];
// An expired reservation is remembered this long so a late settle still charges what was spent (as the store does).
const KEEP_EXPIRED_MS = 24 * 3_600_000;

interface Hold {
  amounts: BudgetAmounts;
  expiresAtMs: number;
}

interface MonthLedger {
  tenant: string;
  month: string;
  spent: BudgetAmounts;
  /** Sum of `live`. */
  held: BudgetAmounts;
  /** Unexpired holds in the order they were made; with one TTL that is also the order they expire in. */
  live: Map<string, Hold>;
  /** Expired but not settled, oldest first: a late settle still charges them. */
  expired: Map<string, Hold>;
  /** Reservations another run of the server left in the store; they count until `untilMs`. */
  inherited: { amounts: BudgetAmounts; untilMs: number } | undefined;
  /** Settled charges whose write failed, written with the next one. */
  unwritten: BudgetAmounts;
}

const zero = (): BudgetAmounts => ({ requests: 0, promptTokens: 0, completionTokens: 0 });
const isZero = (a: BudgetAmounts) => a.requests === 0 && a.promptTokens === 0 && a.completionTokens === 0;

function addInto(target: BudgetAmounts, a: BudgetAmounts, sign = 1): void {
  target.requests += sign * a.requests;
  target.promptTokens += sign * a.promptTokens;
  target.completionTokens += sign * a.completionTokens;
}

export class InProcessBudgetLedger implements BudgetStore {
  private readonly months = new Map<string, MonthLedger>();
  private readonly loading = new Map<string, Promise<MonthLedger>>();
  /** Every hold not yet settled (live or expired), by reservation id. */
  private readonly holds = new Map<string, MonthLedger>();
  private readonly writes = new Set<Promise<void>>();

  constructor(
    private readonly store: LedgerStore,
    private readonly options: InProcessBudgetLedgerOptions = {},
  ) {}

  async reserveBudget(r: BudgetRequest): Promise<BudgetReservation> {
    const ledger = await this.monthLedger(r.tenant, r.month, r.now);
    // From here to the return nothing awaits: no other reserve can run between the check and the hold.
    const nowMs = r.now.getTime();
    const used = this.used(ledger, nowMs);
    for (const dimension of DIMENSIONS) {
      const limit = r.limits[dimension];
      if (limit !== undefined && used[dimension] + r[dimension] > limit) return { ok: false, exceeded: dimension, used };
    }
    const reservationId = randomUUID();
    const amounts = { requests: r.requests, promptTokens: r.promptTokens, completionTokens: r.completionTokens };
    ledger.live.set(reservationId, { amounts, expiresAtMs: nowMs + r.ttlMs });
    addInto(ledger.held, amounts);
    this.holds.set(reservationId, ledger);
    return { ok: true, reservationId };
  }

  async settleBudget(reservationId: string, actual: { promptTokens: number; completionTokens: number }, now: Date): Promise<BudgetAmounts | undefined> {
    const ledger = this.holds.get(reservationId);
    if (!ledger) return undefined;
    const nowMs = now.getTime();
    this.sweep(ledger, nowMs);
    const hold = ledger.live.get(reservationId) ?? ledger.expired.get(reservationId);
    this.holds.delete(reservationId);
    if (!hold) return undefined;
    if (ledger.live.delete(reservationId)) addInto(ledger.held, hold.amounts, -1);
    ledger.expired.delete(reservationId);
    const charge = { requests: hold.amounts.requests, promptTokens: actual.promptTokens, completionTokens: actual.completionTokens };
    addInto(ledger.spent, charge);
    this.write(ledger, charge);
    return this.used(ledger, nowMs);
  }

  async budgetUsed(tenant: string, month: string, now: Date): Promise<BudgetAmounts> {
    return this.used(await this.monthLedger(tenant, month, now), now.getTime());
  }

  /** Waits for every charge write posted so far, and writes once more any that failed. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.writes]);
    for (const ledger of this.months.values()) if (!isZero(ledger.unwritten)) this.write(ledger, zero());
    await Promise.allSettled([...this.writes]);
  }

  private used(ledger: MonthLedger, nowMs: number): BudgetAmounts {
    this.sweep(ledger, nowMs);
    const used = { ...ledger.spent };
    addInto(used, ledger.held);
    if (ledger.inherited && nowMs < ledger.inherited.untilMs) addInto(used, ledger.inherited.amounts);
    return used;
  }

  /** Expired holds stop counting; ones expired longer than KEEP_EXPIRED_MS are forgotten. */
  private sweep(ledger: MonthLedger, nowMs: number): void {
    for (const [id, hold] of ledger.live) {
      if (hold.expiresAtMs > nowMs) break;
      ledger.live.delete(id);
      addInto(ledger.held, hold.amounts, -1);
      ledger.expired.set(id, hold);
    }
    for (const [id, hold] of ledger.expired) {
      if (hold.expiresAtMs >= nowMs - KEEP_EXPIRED_MS) break;
      ledger.expired.delete(id);
      this.holds.delete(id);
    }
  }

  /**
   * Hands the charge (plus any earlier one whose write failed) to the store now, synchronously, so it
   * is ordered before whatever the caller writes next.
   */
  private write(ledger: MonthLedger, charge: BudgetAmounts): void {
    const amounts = { ...ledger.unwritten };
    addInto(amounts, charge);
    ledger.unwritten = zero();
    const written: Promise<void> = this.store
      .addBudgetSpent(ledger.tenant, ledger.month, amounts)
      .catch((err: unknown) => {
        addInto(ledger.unwritten, amounts);
        this.options.onWriteError?.(err, ledger.tenant, ledger.month);
      })
      .finally(() => this.writes.delete(written));
    this.writes.add(written);
  }

  private async monthLedger(tenant: string, month: string, now: Date): Promise<MonthLedger> {
    const key = `${tenant}\u0000${month}`;
    const known = this.months.get(key);
    if (known) return known;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.store.budgetLedgerState(tenant, month, now).then(
        (state): MonthLedger => {
          const ledger: MonthLedger = {
            tenant, month, spent: { ...state.spent }, held: zero(), live: new Map(), expired: new Map(), unwritten: zero(),
            inherited: state.heldUntil ? { amounts: { ...state.held }, untilMs: state.heldUntil.getTime() } : undefined,
          };
          this.months.set(key, ledger);
          this.loading.delete(key);
          return ledger;
        },
        (err: unknown) => {
          // Not remembered: the next reserve asks the store again.
          this.loading.delete(key);
          throw err;
        },
      );
      this.loading.set(key, pending);
    }
    return pending;
  }
}

/**
 * The ledger app.ts gives TenantBudgets: this process's own for SQLite (unless BUDGET_LEDGER=store),
 * the store's transactions for PostgreSQL always — only they see every instance's reservations.
 */
export function budgetLedgerFor(
  env: { DATABASE_URL: string; BUDGET_LEDGER: 'process' | 'store' },
  store: Pick<Store, 'reserveBudget' | 'settleBudget' | 'budgetUsed' | 'budgetLedgerState' | 'addBudgetSpent'>,
  options: InProcessBudgetLedgerOptions = {},
): BudgetStore {
  return env.BUDGET_LEDGER === 'process' && !isPostgresUrl(env.DATABASE_URL) ? new InProcessBudgetLedger(store, options) : store;
}
