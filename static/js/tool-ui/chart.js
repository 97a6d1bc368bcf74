import { CHART_JS_URL } from '/static/vendor.js';
import { element } from '../util/dom.js';

const PALETTE = ['#7aa2ff', '#f2b36b', '#6fd3a6', '#f28bb4', '#b59cff', '#62d0e0', '#e6e07a', '#ff8a7a', '#9fb3c8', '#c7e88a'];
const TEXT_COLOR = '#c9ceda';
const GRID_COLOR = 'rgba(201, 206, 218, 0.15)';

let chartLibrary = null;

/** Chart.js (~200 KB) loads the first time a chart is shown, never before. */
function loadChartJs() {
  if (window.Chart) return Promise.resolve(window.Chart);
  chartLibrary ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = CHART_JS_URL;
    script.async = true;
    script.addEventListener('load', () => resolve(window.Chart));
    script.addEventListener('error', () => {
      chartLibrary = null;
      reject(new Error('Chart.js could not be loaded'));
    });
    document.head.append(script);
  });
  return chartLibrary;
}

function describe(ui) {
  const series = ui.datasets.map((dataset) => dataset.label).join(', ');
  return `${ui.kind} chart${ui.title ? `: ${ui.title}` : ''}. Series: ${series}; ${ui.labels.length} points.`;
}

function chartConfig(ui) {
  const isPie = ui.kind === 'pie';
  const datasets = ui.datasets.map((dataset, index) => {
    const color = PALETTE[index % PALETTE.length];
    return {
      label: dataset.label,
      data: dataset.data,
      borderColor: isPie ? '#171a21' : color,
      backgroundColor: isPie ? ui.labels.map((_, point) => PALETTE[point % PALETTE.length]) : color,
      borderWidth: isPie ? 1 : 2,
    };
  });
  const axes = isPie
    ? {}
    : {
        x: { ticks: { color: TEXT_COLOR }, grid: { color: GRID_COLOR } },
        y: { ticks: { color: TEXT_COLOR }, grid: { color: GRID_COLOR } },
      };
  return {
    type: ui.kind,
    data: { labels: ui.labels, datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      color: TEXT_COLOR,
      scales: axes,
      plugins: {
        legend: { labels: { color: TEXT_COLOR } },
        title: { display: Boolean(ui.title), text: ui.title ?? '', color: TEXT_COLOR },
      },
    },
  };
}

export function renderChart(host, ui) {
  const canvas = element('canvas', { attrs: { role: 'img', 'aria-label': describe(ui) } });
  const note = element('p', { className: 'muted', text: 'Loading chart…' });
  host.append(element('div', { className: 'chart-box' }, [canvas]), note);
  let chart = null;
  let destroyed = false;
  loadChartJs()
    .then((Chart) => {
      if (destroyed) return;
      note.remove();
      chart = new Chart(canvas, chartConfig(ui));
    })
    .catch(() => {
      note.textContent = 'The chart could not be drawn (its library did not load).';
    });
  return () => {
    destroyed = true;
    chart?.destroy();
  };
}
