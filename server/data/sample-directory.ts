import { Rng } from './prng.js';
import { FIRST_NAMES, LAST_NAMES, OFFICES } from './sample-words.js';
import { addDays, buildDatabaseAtomically, daysBetween, formatDate, insertRows, utcMs } from './sqlite-build.js';

/** The company directory: departments, and people with a reporting line. */

export interface Department {
  id: number;
  name: string;
  headId: number;
  location: string;
  costCenter: string;
}

export interface Person {
  id: number;
  firstName: string;
  lastName: string;
  name: string;
  email: string;
  department: string;
  title: string;
  managerId: number | null;
  location: string;
  phone: string;
  startDate: string;
}

export interface Directory {
  departments: Department[];
  people: Person[];
}

export const EMAIL_DOMAIN = 'example.com';

interface DepartmentPlan {
  name: string;
  size: number;
  office: (typeof OFFICES)[number];
  head: string;
  teamLead: string;
  roles: readonly string[];
}

const PLAN: readonly DepartmentPlan[] = [
  { name: 'Executive', size: 3, office: 'New York', head: 'Chief Executive Officer', teamLead: '', roles: ['Chief of Staff', 'Executive Assistant'] },
  { name: 'Engineering', size: 88, office: 'San Francisco', head: 'Chief Technology Officer', teamLead: 'Engineering Manager',
    roles: ['Software Engineer', 'Senior Software Engineer', 'Staff Engineer', 'Site Reliability Engineer', 'QA Engineer', 'Data Engineer'] },
  { name: 'Product', size: 14, office: 'San Francisco', head: 'VP of Product', teamLead: 'Group Product Manager',
    roles: ['Product Manager', 'Senior Product Manager', 'Product Analyst'] },
  { name: 'Design', size: 10, office: 'Berlin', head: 'Head of Design', teamLead: 'Design Manager',
    roles: ['Product Designer', 'Senior Product Designer', 'UX Researcher'] },
  { name: 'Sales', size: 46, office: 'New York', head: 'VP of Sales', teamLead: 'Sales Manager',
    roles: ['Account Executive', 'Senior Account Executive', 'Sales Development Representative', 'Solutions Engineer'] },
  { name: 'Marketing', size: 20, office: 'London', head: 'VP of Marketing', teamLead: 'Marketing Manager',
    roles: ['Content Marketer', 'Product Marketing Manager', 'Growth Analyst', 'Event Coordinator'] },
  { name: 'Customer Support', size: 40, office: 'Toronto', head: 'Director of Customer Support', teamLead: 'Support Team Lead',
    roles: ['Support Specialist', 'Senior Support Specialist', 'Technical Support Engineer'] },
  { name: 'Finance', size: 14, office: 'New York', head: 'Chief Financial Officer', teamLead: 'Finance Manager',
    roles: ['Accountant', 'Financial Analyst', 'Payroll Specialist'] },
  { name: 'People', size: 10, office: 'London', head: 'VP of People', teamLead: 'People Partner Lead',
    roles: ['People Partner', 'Recruiter', 'Senior Recruiter'] },
  { name: 'Legal', size: 6, office: 'New York', head: 'General Counsel', teamLead: '', roles: ['Counsel', 'Paralegal'] },
  { name: 'IT', size: 12, office: 'Berlin', head: 'Director of IT', teamLead: 'IT Manager',
    roles: ['IT Support Engineer', 'Systems Administrator', 'Security Engineer'] },
  { name: 'Operations', size: 16, office: 'Singapore', head: 'Chief Operating Officer', teamLead: 'Operations Manager',
    roles: ['Operations Analyst', 'Procurement Specialist', 'Office Manager'] },
];

const TEAM_SIZE = 7;
const FOUNDED = utcMs(2012, 3, 1);
const DATA_END = utcMs(2024, 12, 31);
/** Start-date windows by seniority, so heads joined before the people who report to them. */
type StartWindow = readonly [from: number, to: number];
const HEADS_JOINED: StartWindow = [FOUNDED, addDays(FOUNDED, 5 * 365)];
const LEADS_JOINED: StartWindow = [addDays(FOUNDED, 365), DATA_END];
const STAFF_JOINED: StartWindow = [addDays(FOUNDED, 2 * 365), DATA_END];

type AddPerson = (plan: DepartmentPlan, title: string, managerId: number | null, joined: StartWindow) => Person;

export function generateDirectory(seed: number): Directory {
  const rng = new Rng(seed, 'directory');
  const people: Person[] = [];
  const departments: Department[] = [];
  const usedNames = new Set<string>();
  const usedEmails = new Set<string>();

  const addPerson: AddPerson = (plan, title, managerId, [earliestStart, latestStart]) => {
    let first: string;
    let last: string;
    do {
      first = rng.pick(FIRST_NAMES);
      last = rng.pick(LAST_NAMES);
    } while (usedNames.has(`${first} ${last}`));
    usedNames.add(`${first} ${last}`);
    const id = people.length + 1;
    const email = uniqueEmail(`${first}.${last}`.toLowerCase(), usedEmails);
    // Most people sit in their department's main office; the rest are spread across the others.
    const location = rng.chance(0.65) ? plan.office : rng.pick(OFFICES);
    const start = addDays(earliestStart, rng.int(0, daysBetween(earliestStart, latestStart)));
    const person: Person = {
      id, firstName: first, lastName: last, name: `${first} ${last}`, email, department: plan.name, title, managerId,
      location, phone: `+1-555-01${String(id % 100).padStart(2, '0')} ext. ${1000 + id}`, startDate: formatDate(start),
    };
    people.push(person);
    return person;
  };

  const ceoPlan = PLAN[0]!;
  const ceo = addPerson(ceoPlan, ceoPlan.head, null, [FOUNDED, FOUNDED]);
  for (const [index, plan] of PLAN.entries()) {
    const head = index === 0 ? ceo : addPerson(plan, plan.head, ceo.id, HEADS_JOINED);
    departments.push({ id: index + 1, name: plan.name, headId: head.id, location: plan.office, costCenter: `CC-${100 + (index + 1) * 10}` });
    addTeams(plan, head, addPerson, rng);
  }
  return { departments, people };
}

/** Small departments report straight to their head; larger ones are split into teams with a lead. */
function addTeams(plan: DepartmentPlan, head: Person, addPerson: AddPerson, rng: Rng): void {
  let remaining = plan.size - 1;
  if (plan.teamLead === '' || remaining <= TEAM_SIZE) {
    for (; remaining > 0; remaining--) addPerson(plan, rng.pick(plan.roles), head.id, STAFF_JOINED);
    return;
  }
  while (remaining > 0) {
    const lead = addPerson(plan, plan.teamLead, head.id, LEADS_JOINED);
    remaining--;
    for (let i = 0; i < TEAM_SIZE - 1 && remaining > 0; i++, remaining--) addPerson(plan, rng.pick(plan.roles), lead.id, STAFF_JOINED);
  }
}

function uniqueEmail(localPart: string, used: Set<string>): string {
  let candidate = `${localPart}@${EMAIL_DOMAIN}`;
  for (let n = 2; used.has(candidate); n++) candidate = `${localPart}${n}@${EMAIL_DOMAIN}`;
  used.add(candidate);
  return candidate;
}

export function emailsInDepartment(directory: Directory, department: string): string[] {
  return directory.people.filter((p) => p.department === department).map((p) => p.email);
}

export function writeDirectoryDb(file: string, directory: Directory): void {
  buildDatabaseAtomically(file, (db) => {
    db.exec(`
      CREATE TABLE departments (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        head_id INTEGER NOT NULL,
        location TEXT NOT NULL,
        cost_center TEXT NOT NULL
      );
      CREATE TABLE people (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        email TEXT NOT NULL UNIQUE,
        department TEXT NOT NULL REFERENCES departments(name),
        title TEXT NOT NULL,
        manager_id INTEGER REFERENCES people(id),
        location TEXT NOT NULL,
        phone TEXT NOT NULL,
        start_date TEXT NOT NULL
      );
      CREATE INDEX people_department ON people(department);
      CREATE INDEX people_manager ON people(manager_id);
    `);
    // Departments first (people reference them by name); people are in id order, so every
    // manager row exists before the rows that point at it and the foreign keys hold throughout.
    insertRows(db, 'departments', ['id', 'name', 'head_id', 'location', 'cost_center'],
      directory.departments.map((d) => [d.id, d.name, d.headId, d.location, d.costCenter]));
    insertRows(db, 'people',
      ['id', 'name', 'first_name', 'last_name', 'email', 'department', 'title', 'manager_id', 'location', 'phone', 'start_date'],
      directory.people.map((p) => [p.id, p.name, p.firstName, p.lastName, p.email, p.department, p.title, p.managerId, p.location, p.phone, p.startDate]));
  });
}
