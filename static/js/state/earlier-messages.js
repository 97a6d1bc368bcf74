import { Alpine } from '/static/vendor.js';

/** Plain data outside Alpine: a long history must not become thousands of proxies. */

let held = [];

export function registerEarlierStore() {
  Alpine.store('earlier', { count: 0 });
}

export function holdEarlier(entries) {
  held = entries;
  Alpine.store('earlier').count = held.length;
}

export function takeEarlier(count, turnStart) {
  if (held.length === 0) return [];
  const cut = turnStart(held, held.length - count);
  const batch = held.slice(cut);
  held = held.slice(0, cut);
  Alpine.store('earlier').count = held.length;
  return batch;
}
