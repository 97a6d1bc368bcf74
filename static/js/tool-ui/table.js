import { element } from '../util/dom.js';

/** Keeps a 10,000-row result from freezing the page on arrival. */
const FIRST_ROWS = 500;
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export function renderTable(host, ui, signal) {
  const state = { column: -1, direction: 1, showAll: ui.rows.length <= FIRST_ROWS };
  const headerButtons = [];
  const headerCells = ui.columns.map((name, index) => {
    const button = element('button', { className: 'sort-button', text: name, attrs: { type: 'button' } });
    button.addEventListener('click', () => sortBy(index), { signal });
    headerButtons.push(button);
    return element('th', { attrs: { scope: 'col', 'aria-sort': 'none' } }, [button]);
  });
  const body = element('tbody');
  const table = element('table', { className: 'tool-table' }, [element('thead', {}, [element('tr', {}, headerCells)]), body]);
  if (ui.caption) table.prepend(element('caption', { text: ui.caption }));
  const more = element('button', { className: 'button', attrs: { type: 'button' } });
  more.addEventListener('click', () => {
    state.showAll = true;
    renderRows();
  }, { signal });

  host.append(element('div', { className: 'table-scroll' }, [table]));
  host.append(more);
  if (ui.truncated) host.append(element('p', { className: 'muted', text: 'The result was cut short; not every row is shown.' }));

  function sortBy(index) {
    state.direction = state.column === index ? -state.direction : 1;
    state.column = index;
    headerCells.forEach((cell, cellIndex) => {
      const sort = cellIndex !== index ? 'none' : state.direction === 1 ? 'ascending' : 'descending';
      cell.setAttribute('aria-sort', sort);
    });
    renderRows();
  }

  function renderRows() {
    let rows = ui.rows;
    if (state.column >= 0) {
      const column = state.column;
      rows = [...rows].sort((left, right) => compareCells(left[column], right[column], state.direction));
    }
    const shown = state.showAll ? rows : rows.slice(0, FIRST_ROWS);
    const fragment = document.createDocumentFragment();
    for (const row of shown) {
      const tr = document.createElement('tr');
      for (let index = 0; index < ui.columns.length; index++) {
        const td = document.createElement('td');
        td.textContent = formatCell(row[index]);
        if (typeof row[index] === 'number') td.className = 'numeric';
        tr.append(td);
      }
      fragment.append(tr);
    }
    body.replaceChildren(fragment);
    more.hidden = state.showAll;
    more.textContent = `Show all ${ui.rows.length} rows`;
  }

  renderRows();
}

function formatCell(value) {
  if (value === null || value === undefined) return '';
  return String(value);
}

/** Empty cells last, whichever way the column is sorted. */
function compareCells(left, right, direction) {
  const leftEmpty = left === null || left === undefined || left === '';
  const rightEmpty = right === null || right === undefined || right === '';
  if (leftEmpty || rightEmpty) return leftEmpty === rightEmpty ? 0 : leftEmpty ? 1 : -1;
  if (typeof left === 'number' && typeof right === 'number') return (left - right) * direction;
  return collator.compare(String(left), String(right)) * direction;
}
