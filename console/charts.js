// Bar charts in SVG, drawn from data already fetched: no library, nothing inline for the CSP.

const SVG = 'http://www.w3.org/2000/svg';
export const PALETTE = ['#1a7f37', '#cf222e', '#9a6700', '#8250df', '#0969da', '#bf3989', '#57606a', '#1b7c83'];

function svg(tag, attributes, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

// A stacked bar chart. `buckets` are [{label, values: {series: count}}]; `series` names the stack
// order, each with its colour. Returns an <svg> element.
export function stackedBars(buckets, series, { title, height = 220 } = {}) {
  const width = 900;
  const margin = { top: 24, right: 12, bottom: 40, left: 40 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const totals = buckets.map((bucket) => series.reduce((sum, s) => sum + (bucket.values[s.name] || 0), 0));
  const max = Math.max(1, ...totals);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': title });
  if (title) chart.append(svg('text', { x: margin.left, y: 16 }, title));
  const step = plotWidth / Math.max(1, buckets.length);
  const barWidth = Math.max(2, step * 0.7);
  for (let tick = 0; tick <= 4; tick += 1) {
    const value = Math.round((max * tick) / 4);
    const y = margin.top + plotHeight - (plotHeight * value) / max;
    chart.append(svg('line', { x1: margin.left, x2: width - margin.right, y1: y, y2: y, stroke: '#d8dee6' }));
    chart.append(svg('text', { x: margin.left - 6, y: y + 4, 'text-anchor': 'end' }, value));
  }
  buckets.forEach((bucket, index) => {
    let y = margin.top + plotHeight;
    const x = margin.left + index * step + (step - barWidth) / 2;
    for (const s of series) {
      const count = bucket.values[s.name] || 0;
      if (!count) continue;
      const barHeight = (plotHeight * count) / max;
      y -= barHeight;
      const bar = svg('rect', { x, y, width: barWidth, height: barHeight, fill: s.colour });
      bar.append(svg('title', {}, `${bucket.label}: ${count} ${s.name}`));
      chart.append(bar);
    }
    if (buckets.length <= 16 || index % Math.ceil(buckets.length / 12) === 0) {
      chart.append(svg('text', { x: x + barWidth / 2, y: height - margin.bottom + 16, 'text-anchor': 'middle' },
        bucket.label));
    }
  });
  return chart;
}

export function legend(series) {
  const element = document.createElement('div');
  element.className = 'legend';
  for (const s of series) {
    const item = document.createElement('span');
    item.textContent = s.name;
    item.style.setProperty('--swatch', s.colour);
    element.append(item);
  }
  return element;
}
