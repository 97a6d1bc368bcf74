import { renderButtons } from './buttons.js';
import { renderChart } from './chart.js';
import { renderCode } from './code.js';
import { renderImage } from './image.js';
import { renderLinks } from './links.js';
import { renderTable } from './table.js';
import { element } from '../util/dom.js';

const RENDERERS = { table: renderTable, chart: renderChart, buttons: renderButtons, code: renderCode, image: renderImage, links: renderLinks };

export function renderToolUi(host, ui, signal) {
  const render = ui && RENDERERS[ui.type];
  if (!render) {
    host.append(element('p', { className: 'muted', text: 'This result has a view this page cannot show.' }));
    return () => {};
  }
  return render(host, ui, signal) ?? (() => {});
}
