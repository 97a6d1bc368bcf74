import { Rng } from './prng.js';
import type { Directory } from './sample-directory.js';
import { generateCustomers, generateProducts, SALES_END, SALES_START } from './sample-sales.js';
import { TICKET_PROBLEMS } from './sample-words.js';
import { addDays, buildDatabaseAtomically, daysBetween, formatDateTime, HOUR_MS, insertRows, utcMs } from './sqlite-build.js';

/**
 * Support: tickets over the same two years as sales, about the same products and customers, worked
 * by the Customer Support department of the directory (assignee emails match people there).
 */

type Priority = 'low' | 'medium' | 'high' | 'urgent';

/** Hours to first response and to resolution promised per priority. */
const SLA: Record<Priority, { firstResponse: number; resolution: number }> = {
  urgent: { firstResponse: 1, resolution: 8 },
  high: { firstResponse: 4, resolution: 48 },
  medium: { firstResponse: 8, resolution: 120 },
  low: { firstResponse: 24, resolution: 240 },
};

/** The moment the data set was "taken": tickets not resolved by then are still open. */
const SNAPSHOT = utcMs(2025, 1, 1);

interface Ticket {
  id: number;
  subject: string;
  customer: string;
  product: string;
  priority: Priority;
  status: string;
  channel: string;
  createdAt: string;
  firstResponseAt: string | null;
  resolvedAt: string | null;
  assigneeEmail: string | null;
  satisfaction: number | null;
}

export function generateTickets(seed: number, directory: Directory): Ticket[] {
  const rng = new Rng(seed, 'tickets');
  const products = generateProducts(seed);
  const customers = generateCustomers(seed, directory);
  const agents = directory.people
    .filter((p) => p.department === 'Customer Support' && !p.title.startsWith('Director'))
    .map((p) => p.email);
  const tickets: Ticket[] = [];
  const totalDays = daysBetween(SALES_START, SALES_END);
  for (let day = 0; day <= totalDays; day++) {
    const dayMs = addDays(SALES_START, day);
    const weekday = new Date(dayMs).getUTCDay();
    const perDay = 3.2 * (1 + 0.5 * (day / totalDays)) * (weekday === 0 || weekday === 6 ? 0.4 : 1);
    const count = Math.floor(perDay + rng.next());
    for (let n = 0; n < count; n++) {
      const customer = rng.pick(customers);
      const product = rng.pick(products);
      const priority = rng.weighted<Priority>([['low', 35], ['medium', 40], ['high', 18], ['urgent', 7]]);
      const createdMs = dayMs + rng.int(7 * 60, 20 * 60) * 60_000 + rng.int(0, 59) * 1000;
      tickets.push(buildTicket(rng, tickets.length + 1, createdMs, priority, customer.name, product.name, agents));
    }
  }
  return tickets;
}

function buildTicket(
  rng: Rng, id: number, createdMs: number, priority: Priority, customer: string, product: string, agents: string[],
): Ticket {
  const sla = SLA[priority];
  // Most tickets meet their SLA; a tail breaches it, which is what analysts go looking for.
  const responseHours = sla.firstResponse * (rng.chance(0.85) ? rng.around(0.4, 0.35, 0.02, 1) : rng.around(2, 1, 1.05, 4));
  const resolutionHours = sla.resolution * (rng.chance(0.8) ? rng.around(0.45, 0.4, 0.05, 1) : rng.around(2, 1, 1.05, 5));
  const firstResponseMs = createdMs + responseHours * HOUR_MS;
  const resolvedMs = createdMs + Math.max(resolutionHours, responseHours + 0.25) * HOUR_MS;
  // A share of recent tickets is still stuck at the snapshot, so the data has a real backlog.
  const stalled = SNAPSHOT - createdMs < 45 * 24 * HOUR_MS && rng.chance(0.2);
  const resolved = !stalled && resolvedMs <= SNAPSHOT;
  const responded = firstResponseMs <= SNAPSHOT && !(stalled && rng.chance(0.3));
  const status = resolved
    ? (SNAPSHOT - resolvedMs > 7 * 24 * HOUR_MS ? 'closed' : 'resolved')
    : !responded ? 'open' : rng.weighted([['in_progress', 70], ['waiting_on_customer', 30]]);
  return {
    id,
    subject: `${product}: ${rng.pick(TICKET_PROBLEMS)}`,
    customer,
    product,
    priority,
    status,
    channel: rng.weighted([['email', 40], ['web', 30], ['chat', 20], ['phone', 10]]),
    createdAt: formatDateTime(createdMs),
    firstResponseAt: responded ? formatDateTime(Math.round(firstResponseMs / 1000) * 1000) : null,
    resolvedAt: resolved ? formatDateTime(Math.round(resolvedMs / 1000) * 1000) : null,
    assigneeEmail: status === 'open' && rng.chance(0.5) ? null : rng.pick(agents),
    satisfaction: resolved && rng.chance(0.65) ? satisfactionScore(rng, resolutionHours / sla.resolution) : null,
  };
}

/** Slow resolutions earn lower scores. */
function satisfactionScore(rng: Rng, slaFraction: number): number {
  if (slaFraction > 1) return rng.weighted([[1, 30], [2, 30], [3, 25], [4, 10], [5, 5]]);
  return rng.weighted([[1, 2], [2, 4], [3, 14], [4, 40], [5, 40]]);
}

export function writeSupportDb(file: string, seed: number, directory: Directory): void {
  const tickets = generateTickets(seed, directory);
  buildDatabaseAtomically(file, (db) => {
    db.exec(`
      CREATE TABLE sla_policies (
        priority TEXT PRIMARY KEY,
        first_response_hours INTEGER NOT NULL,
        resolution_hours INTEGER NOT NULL
      );
      CREATE TABLE tickets (
        id INTEGER PRIMARY KEY,
        subject TEXT NOT NULL,
        customer TEXT NOT NULL,
        product TEXT NOT NULL,
        priority TEXT NOT NULL REFERENCES sla_policies(priority),
        status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'waiting_on_customer', 'resolved', 'closed')),
        channel TEXT NOT NULL,
        created_at TEXT NOT NULL,
        first_response_at TEXT,
        resolved_at TEXT,
        assignee_email TEXT,
        satisfaction INTEGER CHECK (satisfaction BETWEEN 1 AND 5)
      );
      CREATE INDEX tickets_created ON tickets(created_at);
      CREATE INDEX tickets_assignee ON tickets(assignee_email);
      CREATE INDEX tickets_status ON tickets(status);
    `);
    insertRows(db, 'sla_policies', ['priority', 'first_response_hours', 'resolution_hours'],
      Object.entries(SLA).map(([priority, sla]) => [priority, sla.firstResponse, sla.resolution]));
    insertRows(db, 'tickets',
      ['id', 'subject', 'customer', 'product', 'priority', 'status', 'channel', 'created_at', 'first_response_at', 'resolved_at', 'assignee_email', 'satisfaction'],
      tickets.map((t) => [t.id, t.subject, t.customer, t.product, t.priority, t.status, t.channel, t.createdAt,
        t.firstResponseAt, t.resolvedAt, t.assigneeEmail, t.satisfaction]));
  });
}
