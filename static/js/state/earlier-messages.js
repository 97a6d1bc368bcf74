import { Alpine } from '/static/vendor.js';

/**
 * The older entries of a reopened chat that are not drawn yet. Plain data outside Alpine (a long
 * chat's history must not become thousands of proxies); only the count is a store, for the template.
 */

let held = [];

export function registerEarlierStore() {
  Alpine.store('earlier', { count: 0 });
}

export function holdEarlier(entries) {
  held = entries;
  Alpine.store('earlier').count = held.length;
}

/** Takes about `count` of the newest held entries, starting at a turn boundary found by `turnStart`. */
export function takeEarlier(count, turnStart) {
  if (held.length === 0) return [];
  const cut = turnStart(held, held.length - count);
  const batch = held.slice(cut);
  held = held.slice(0, cut);
  Alpine.store('earlier').count = held.length;
  return batch;
}
