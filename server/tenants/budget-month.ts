/**
 * Budget months in the operator's timezone (BUDGET_TIMEZONE): a company in Berlin expects its
 * budget to reset at midnight in Berlin on the 1st, not at midnight UTC. Uses the platform's own
 * time zone data (Intl), no arithmetic of ours on offsets beyond reading them.
 */

/** Throws a RangeError for an unknown zone, so config validation can report it. */
export function assertTimeZone(timeZone: string): void {
  new Intl.DateTimeFormat('en-US', { timeZone });
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function localParts(at: Date, timeZone: string): LocalParts {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return { year: +parts.year!, month: +parts.month!, day: +parts.day!, hour: +parts.hour!, minute: +parts.minute!, second: +parts.second! };
}

/** YYYY-MM of a moment as the calendar in `timeZone` shows it. */
export function budgetMonth(at: Date, timeZone: string): string {
  const { year, month } = localParts(at, timeZone);
  return `${year}-${String(month).padStart(2, '0')}`;
}

/** Milliseconds the zone is ahead of UTC at this moment. */
function offsetAt(at: Date, timeZone: string): number {
  const p = localParts(at, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The first moment of the month after the one `at` falls in, in `timeZone`: when the budget resets. */
export function nextBudgetReset(at: Date, timeZone: string): Date {
  const { year, month } = localParts(at, timeZone);
  const wallClock = Date.UTC(month === 12 ? year + 1 : year, month === 12 ? 0 : month, 1);
  // Midnight local = wall clock minus the offset in force then; read the offset twice for DST edges.
  const guess = wallClock - offsetAt(new Date(wallClock), timeZone);
  return new Date(wallClock - offsetAt(new Date(guess), timeZone));
}
