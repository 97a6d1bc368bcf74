import { Rng } from './prng.js';
import type { Directory } from './sample-directory.js';
import { COMPANY_PREFIXES, COMPANY_SUFFIXES, CUSTOMER_LOCATIONS, INDUSTRY_BY_SUFFIX, PRODUCT_LINES } from './sample-words.js';
import { addDays, buildDatabaseAtomically, daysBetween, formatDate, insertRows, utcMs } from './sqlite-build.js';

/** Sales: customers, products, and two years of orders (2023–2024) with seasonality and growth. */

export interface Product {
  id: number;
  sku: string;
  name: string;
  category: string;
  unitPrice: number;
  launchedOn: string;
}

export interface Customer {
  id: number;
  name: string;
  industry: string;
  segment: Segment;
  country: string;
  city: string;
  createdOn: string;
  accountManagerEmail: string;
}

type Segment = 'Enterprise' | 'Mid-Market' | 'SMB';

export const SALES_START = utcMs(2023, 1, 1);
export const SALES_END = utcMs(2024, 12, 31);
const CUSTOMER_COUNT = 400;
const SKU_PREFIX: Record<string, string> = { Hardware: 'HW', Software: 'SW', Services: 'SV', 'Support Plans': 'SP' };
/** Prices rose 5% at the start of 2024; the products table holds the current price. */
const PRICE_RISE_2024 = 1.05;

export function generateProducts(seed: number): Product[] {
  const rng = new Rng(seed, 'products');
  return PRODUCT_LINES.map(([name, category, listPrice], index) => {
    const launched = rng.chance(0.8)
      ? addDays(utcMs(2019, 1, 1), rng.int(0, 4 * 365 - 1))
      : addDays(utcMs(2023, 2, 1), rng.int(0, 600));
    return {
      id: index + 1,
      sku: `${SKU_PREFIX[category]}-${1001 + index}`,
      name,
      category,
      unitPrice: roundCents(listPrice * PRICE_RISE_2024),
      launchedOn: formatDate(launched),
    };
  });
}

/** Customers sorted by the day they signed up, so "customers that existed on day d" is a prefix. */
export function generateCustomers(seed: number, directory: Directory): Customer[] {
  const rng = new Rng(seed, 'customers');
  const accountExecutives = directory.people
    .filter((p) => p.department === 'Sales' && /Account Executive|Sales Manager/.test(p.title))
    .map((p) => p.email);
  const names = new Set<string>();
  const drafts: Omit<Customer, 'id'>[] = [];
  while (drafts.length < CUSTOMER_COUNT) {
    const suffix = rng.pick(COMPANY_SUFFIXES);
    const name = `${rng.pick(COMPANY_PREFIXES)} ${suffix}`;
    if (names.has(name)) continue;
    names.add(name);
    const [country, city] = rng.pick(CUSTOMER_LOCATIONS);
    drafts.push({
      name,
      industry: INDUSTRY_BY_SUFFIX[suffix],
      segment: rng.weighted<Segment>([['Enterprise', 20], ['Mid-Market', 35], ['SMB', 45]]),
      country,
      city,
      createdOn: formatDate(addDays(utcMs(2021, 6, 1), rng.int(0, daysBetween(utcMs(2021, 6, 1), utcMs(2024, 9, 30))))),
      accountManagerEmail: rng.pick(accountExecutives),
    });
  }
  drafts.sort((a, b) => (a.createdOn < b.createdOn ? -1 : a.createdOn > b.createdOn ? 1 : a.name < b.name ? -1 : 1));
  return drafts.map((c, index) => ({ id: index + 1, ...c }));
}

interface Order {
  id: number;
  customerId: number;
  orderDate: string;
  status: string;
  channel: string;
  salesRepEmail: string;
}

interface OrderItem {
  orderId: number;
  productId: number;
  quantity: number;
  unitPrice: number;
  discount: number;
}

const SEGMENT_WEIGHT: Record<Segment, number> = { Enterprise: 4, 'Mid-Market': 2, SMB: 1 };

export function generateOrders(seed: number, directory: Directory, customers: Customer[], products: Product[]) {
  const rng = new Rng(seed, 'orders');
  const salesPeople = directory.people.filter((p) => p.department === 'Sales').map((p) => p.email);
  const orders: Order[] = [];
  const items: OrderItem[] = [];
  const totalDays = daysBetween(SALES_START, SALES_END);
  let known = 0;
  for (let day = 0; day <= totalDays; day++) {
    const dateMs = addDays(SALES_START, day);
    const date = formatDate(dateMs);
    while (known < customers.length && customers[known]!.createdOn <= date) known++;
    if (known === 0) continue;
    const perDay = orderRate(dateMs, day / totalDays);
    const count = Math.floor(perDay + rng.next());
    for (let n = 0; n < count; n++) {
      const customer = pickCustomer(rng, customers, known);
      const order: Order = {
        id: orders.length + 1,
        customerId: customer.id,
        orderDate: date,
        status: orderStatus(rng, totalDays - day),
        channel: rng.weighted([['online', 45], ['direct', 35], ['partner', 20]]),
        salesRepEmail: rng.chance(0.8) ? customer.accountManagerEmail : rng.pick(salesPeople),
      };
      orders.push(order);
      items.push(...orderLines(rng, order, customer, products, dateMs));
    }
  }
  return { orders, items };
}

/** Orders per day: grows over the two years, peaks in Q4, quiet at weekends. */
function orderRate(dateMs: number, progress: number): number {
  const date = new Date(dateMs);
  const weekday = date.getUTCDay();
  const month = date.getUTCMonth();
  const season = month === 11 ? 1.45 : month >= 9 ? 1.25 : month === 7 ? 0.8 : 1;
  const weekend = weekday === 0 || weekday === 6 ? 0.35 : 1;
  return 6 * (1 + 0.45 * progress) * season * weekend;
}

function pickCustomer(rng: Rng, customers: Customer[], known: number): Customer {
  // Rejection sampling: bigger customers order more often.
  for (;;) {
    const candidate = customers[rng.int(0, known - 1)]!;
    if (rng.next() < SEGMENT_WEIGHT[candidate.segment] / SEGMENT_WEIGHT.Enterprise) return candidate;
  }
}

function orderStatus(rng: Rng, daysBeforeEnd: number): string {
  if (daysBeforeEnd < 10 && rng.chance(0.6)) return 'pending';
  return rng.weighted([['completed', 90], ['cancelled', 6], ['refunded', 4]]);
}

function orderLines(rng: Rng, order: Order, customer: Customer, products: Product[], dateMs: number): OrderItem[] {
  const date = formatDate(dateMs);
  const available = products.filter((p) => p.launchedOn <= date);
  const lineCount = Math.min(available.length, rng.weighted([[1, 45], [2, 30], [3, 17], [4, 8]]));
  const chosen = new Set<Product>();
  while (chosen.size < lineCount) chosen.add(rng.pick(available));
  const scale = customer.segment === 'Enterprise' ? 4 : customer.segment === 'Mid-Market' ? 2 : 1;
  const priceFactor = dateMs >= utcMs(2024, 1, 1) ? 1 : 1 / PRICE_RISE_2024;
  return [...chosen].map((product) => ({
    orderId: order.id,
    productId: product.id,
    quantity: quantityFor(rng, product.category, scale),
    unitPrice: roundCents(product.unitPrice * priceFactor),
    discount: rng.weighted([[0, 50], [0.05, 20], [0.1, 15 * scale], [0.15, 6 * scale], [0.2, 3 * scale]]),
  }));
}

function quantityFor(rng: Rng, category: string, scale: number): number {
  switch (category) {
    case 'Hardware': return rng.int(1, 12 * scale);
    case 'Software': return rng.int(5, 60 * scale);
    case 'Services': return rng.int(1, scale);
    default: return 1;
  }
}

function roundCents(amount: number): number {
  return Math.round(amount * 100) / 100;
}

export function writeSalesDb(file: string, seed: number, directory: Directory): void {
  const products = generateProducts(seed);
  const customers = generateCustomers(seed, directory);
  const { orders, items } = generateOrders(seed, directory, customers, products);
  buildDatabaseAtomically(file, (db) => {
    db.exec(`
      CREATE TABLE customers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        industry TEXT NOT NULL,
        segment TEXT NOT NULL CHECK (segment IN ('Enterprise', 'Mid-Market', 'SMB')),
        country TEXT NOT NULL,
        city TEXT NOT NULL,
        created_on TEXT NOT NULL,
        account_manager_email TEXT NOT NULL
      );
      CREATE TABLE products (
        id INTEGER PRIMARY KEY,
        sku TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        category TEXT NOT NULL,
        unit_price REAL NOT NULL,
        launched_on TEXT NOT NULL
      );
      CREATE TABLE orders (
        id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customers(id),
        order_date TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'completed', 'cancelled', 'refunded')),
        channel TEXT NOT NULL,
        sales_rep_email TEXT NOT NULL
      );
      CREATE TABLE order_items (
        id INTEGER PRIMARY KEY,
        order_id INTEGER NOT NULL REFERENCES orders(id),
        product_id INTEGER NOT NULL REFERENCES products(id),
        quantity INTEGER NOT NULL,
        unit_price REAL NOT NULL,
        discount REAL NOT NULL DEFAULT 0
      );
      CREATE INDEX orders_customer ON orders(customer_id);
      CREATE INDEX orders_date ON orders(order_date);
      CREATE INDEX order_items_order ON order_items(order_id);
      CREATE INDEX order_items_product ON order_items(product_id);
      -- Revenue per order, so the common question needs no arithmetic from the model.
      CREATE VIEW order_totals AS
        SELECT o.id AS order_id, o.customer_id, o.order_date, o.status,
               ROUND(SUM(i.quantity * i.unit_price * (1 - i.discount)), 2) AS revenue
        FROM orders o JOIN order_items i ON i.order_id = o.id
        GROUP BY o.id;
    `);
    insertRows(db, 'customers', ['id', 'name', 'industry', 'segment', 'country', 'city', 'created_on', 'account_manager_email'],
      customers.map((c) => [c.id, c.name, c.industry, c.segment, c.country, c.city, c.createdOn, c.accountManagerEmail]));
    insertRows(db, 'products', ['id', 'sku', 'name', 'category', 'unit_price', 'launched_on'],
      products.map((p) => [p.id, p.sku, p.name, p.category, p.unitPrice, p.launchedOn]));
    insertRows(db, 'orders', ['id', 'customer_id', 'order_date', 'status', 'channel', 'sales_rep_email'],
      orders.map((o) => [o.id, o.customerId, o.orderDate, o.status, o.channel, o.salesRepEmail]));
    insertRows(db, 'order_items', ['id', 'order_id', 'product_id', 'quantity', 'unit_price', 'discount'],
      items.map((i, index) => [index + 1, i.orderId, i.productId, i.quantity, i.unitPrice, i.discount]));
  });
}
