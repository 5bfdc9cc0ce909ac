// One resource: its attributes as a table (short name, long name, value) and as
// JSON, the actions on it, and for a container or timeSeries its latest values.

import { request, succeeded, describeError, unwrap, typeInfo, longName, el } from './api.js';
import { createForm, updateForm } from './forms.js';
import { plot, numericPoints } from './plot.js';
import { liveView } from './live.js';
import { reloadNode } from './tree.js';

const LATEST = 50;
const MAX_ROUNDS = 20;
const INSTANCE_OF = { 3: 4, 29: 30 };

// Each call of showResource takes the next number; a reply arriving after a newer
// call started is dropped, so two quick clicks (or a refresh racing a click) never
// leave the older resource on screen. `data-loading` is set while the newest call
// runs, so a user script (or a test) can tell a settled view from a stale one.
let generation = 0;

/** Shows the resource at `path` in `container`, measuring the time to its first paint. */
export async function showResource(container, path) {
  const mine = ++generation;
  const current = () => mine === generation;
  container.dataset.loading = 'true';
  performance.clearMarks('view-start');
  performance.mark('view-start');
  const reply = await request('GET', path);
  if (!current()) return;
  if (!succeeded(reply)) {
    container.replaceChildren(el('h2', {}, path), el('p', { class: 'error', role: 'alert' }, describeError(reply)));
    delete container.dataset.loading;
    return;
  }
  const [root, resource] = unwrap(reply.json);
  const info = typeInfo(resource.ty);
  const refresh = () => showResource(container, path);
  const actions = el('div', { class: 'actions' });
  const panel = el('div', { id: 'panel' });
  const parts = [
    el('h2', {}, path, ' ', el('span', { class: 'ty' }, info ? `${info.ln} (${root})` : root)),
    actions,
    panel,
    el('h3', {}, 'Attributes'),
    attributeTable(resource),
  ];
  const instanceTy = INSTANCE_OF[resource.ty];
  const latest = el('div', { id: 'latest' });
  if (instanceTy) parts.push(el('h3', {}, 'Latest values'), latest);
  parts.push(el('h3', {}, 'JSON'), el('pre', { class: 'json' }, JSON.stringify(reply.json, null, 2)));
  container.replaceChildren(...parts);
  container.dataset.path = path;
  addActions(actions, panel, path, resource, info, refresh);
  requestAnimationFrame(() => {
    performance.clearMarks('view-painted');
    performance.mark('view-painted');
    const measure = performance.measure('resource-view', 'view-start', 'view-painted');
    container.dataset.paintMs = String(Math.round(measure.duration));
  });
  if (instanceTy) await showLatest(latest, path, resource, instanceTy);
  if (current()) delete container.dataset.loading;
}

function attributeTable(resource) {
  const rows = Object.entries(resource).map(([name, value]) => el('tr', { 'data-attr': name },
    el('th', { scope: 'row' }, name),
    el('td', { class: 'long' }, longName(name)),
    el('td', { class: 'value' }, typeof value === 'string' ? value : JSON.stringify(value))));
  return el('table', { class: 'attrs' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Short name'), el('th', {}, 'Long name'), el('th', {}, 'Value'))),
    el('tbody', {}, rows));
}

function addActions(actions, panel, path, resource, info, refresh) {
  const button = (label, handler) => actions.append(el('button', { type: 'button', 'data-action': label.toLowerCase(), onclick: handler }, label));
  button('Refresh', refresh);
  if (info && resource.ty !== 5) {
    button('Update', () => panel.replaceChildren(updateForm(path, info, resource, refresh)));
    button('Delete', async () => {
      if (!window.confirm(`Delete ${path} and everything under it?`)) return;
      const reply = await request('DELETE', path);
      panel.replaceChildren(el('p', { class: succeeded(reply) ? 'done' : 'error', role: 'alert' },
        succeeded(reply) ? `Deleted ${path}` : describeError(reply)));
      if (succeeded(reply)) reloadNode(path.slice(0, path.lastIndexOf('/')));
    });
  }
  const childTypes = info ? info.children.map(typeInfo).filter((t) => t && t.creatable) : [];
  if (childTypes.length) {
    const choice = el('select', { 'aria-label': 'Type of the new child', id: 'child-type' },
      childTypes.map((t) => el('option', { value: t.ty }, `${t.ln} (${t.sn})`)));
    const create = el('button', { type: 'button', 'data-action': 'create', onclick: () => {
      panel.replaceChildren(createForm(path, typeInfo(Number(choice.value)), () => { reloadNode(path); refresh(); }));
    } }, 'Create child');
    actions.append(choice, create);
  }
  if (info && info.ln !== 'subscription') button('Live view', () => liveView(panel, path));
}

/** The newest instances (ofst from currentNrOfInstances), their values and a plot.
 * A page the CSE cut short (its scan budget) says where to go on (X-M2M-CTO). */
async function showLatest(target, path, resource, instanceTy) {
  const count = Number(resource.cni || 0);
  const offset = Math.max(1, count - LATEST + 1);
  const key = `m2m:${typeInfo(instanceTy).sn}`;
  const instances = [];
  let next = offset;
  for (let round = 0; next && instances.length < LATEST && round < MAX_ROUNDS; round += 1) {
    const reply = await request('GET', path, { query: { rcn: 8, ty: instanceTy, lim: LATEST - instances.length, ofst: next } });
    if (!succeeded(reply)) {
      target.replaceChildren(el('p', { class: 'error' }, describeError(reply)));
      return;
    }
    instances.push(...findArray(reply.json, key));
    next = reply.cto ? Number(reply.cto) : 0;
  }
  const list = el('ol', { class: 'latest', start: offset }, instances.map((i) => el('li', {}, `${i.ct}  ${typeof i.con === 'string' ? i.con : JSON.stringify(i.con)}`)));
  const points = numericPoints(instances);
  target.replaceChildren(
    el('p', {}, `${instances.length} of ${count} instances`),
    points.length ? plot(points) : el('p', { class: 'ty' }, 'No numeric values to plot.'),
    list);
}

function findArray(json, key) {
  if (!json || typeof json !== 'object') return [];
  if (Array.isArray(json[key])) return json[key];
  for (const value of Object.values(json)) {
    const found = findArray(value, key);
    if (found.length) return found;
  }
  return [];
}
