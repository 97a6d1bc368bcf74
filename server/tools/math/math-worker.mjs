// Evaluates arithmetic for the basic_math tool inside a worker thread, so a pathological
// expression can be killed (worker.terminate) and can never block the server's event loop.
import { parentPort } from 'node:worker_threads';
import { create, all } from 'mathjs';

const math = create(all, { number: 'number', precision: 64 });
const evaluate = math.evaluate.bind(math);
const disabled = (name) => () => {
  throw new Error(`Function ${name} is not available`);
};
// The restricted configuration from mathjs's security guidance: no way to define or load code,
// nothing that builds large structures from a tiny expression.
math.import(
  Object.fromEntries(
    ['import', 'createUnit', 'reviver', 'evaluate', 'parse', 'compile', 'simplify', 'derivative', 'resolve',
      'range', 'zeros', 'ones', 'identity', 'matrix', 'sparse', 'resize', 'diag', 'kron', 'map', 'forEach', 'filter']
      .map((name) => [name, disabled(name)]),
  ),
  { override: true },
);

function formatResult(value) {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    return String(Number.parseFloat(value.toPrecision(15)));
  }
  return math.format(value, { precision: 14 });
}

parentPort.on('message', ({ id, expression }) => {
  try {
    const value = evaluate(expression, {});
    if (typeof value === 'function') throw new Error('The expression defines a function; give a value to compute.');
    parentPort.postMessage({ id, ok: true, result: formatResult(value) });
  } catch (err) {
    parentPort.postMessage({ id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
