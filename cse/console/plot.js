// A small SVG plot of numeric instance values over time, drawn by hand.

import { el } from './api.js';

const WIDTH = 640;
const HEIGHT = 220;
const MARGIN = 36;

/** A oneM2M timestamp (YYYYMMDDTHHMMSS[,ffffff]) in milliseconds since the epoch. */
export function timeOf(stamp) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:[,.](\d{1,6}))?/.exec(stamp || '');
  if (!m) return NaN;
  const ms = m[7] ? Number(m[7].padEnd(6, '0')) / 1000 : 0;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) + ms;
}

/** The instances whose content is a number, as {t, v} (time from dgt, else ct). */
export function numericPoints(instances) {
  return instances
    .filter((i) => typeof i.con === 'number' || (typeof i.con === 'string' && i.con.trim() !== ''))
    .map((i) => ({ t: timeOf(i.dgt || i.ct), v: Number(i.con) }))
    .filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v));
}

/** The plot: one circle per point, joined by a line, with the value range labelled. */
export function plot(points) {
  const ts = points.map((p) => p.t);
  const vs = points.map((p) => p.v);
  const [t0, t1] = [Math.min(...ts), Math.max(...ts)];
  const [v0, v1] = [Math.min(...vs), Math.max(...vs)];
  const x = (t) => MARGIN + (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)) * (WIDTH - 2 * MARGIN);
  const y = (v) => HEIGHT - MARGIN - (v1 === v0 ? 0.5 : (v - v0) / (v1 - v0)) * (HEIGHT - 2 * MARGIN);
  const coordinates = points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`);
  return el('svg', { class: 'plot', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': `${points.length} values over time`, 'data-points': points.length },
    el('line', { x1: MARGIN, y1: HEIGHT - MARGIN, x2: WIDTH - MARGIN, y2: HEIGHT - MARGIN }),
    el('line', { x1: MARGIN, y1: MARGIN, x2: MARGIN, y2: HEIGHT - MARGIN }),
    el('text', { x: 2, y: MARGIN }, String(v1)),
    el('text', { x: 2, y: HEIGHT - MARGIN }, String(v0)),
    el('text', { x: MARGIN, y: HEIGHT - 8 }, new Date(t0).toISOString()),
    el('text', { x: WIDTH - MARGIN - 150, y: HEIGHT - 8 }, new Date(t1).toISOString()),
    el('polyline', { points: coordinates.join(' ') }),
    points.map((p) => el('circle', { cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r: 3 }, el('title', {}, `${new Date(p.t).toISOString()}: ${p.v}`))));
}
