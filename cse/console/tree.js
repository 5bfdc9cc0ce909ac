// The resource tree, loaded lazily: each node lists its direct children by child
// references (rcn 6, lvl 1), a page at a time (lim, ofst; X-M2M-CTO says where to go on).

import { session, request, succeeded, describeError, pathOf, typeInfo, unwrap, el } from './api.js';

const PAGE = 100;
let onSelect = () => {};
let selected = null;

/** Builds the tree in `container`: the CSEBase, the user's own AE and any path opened. */
export function showTree(container, root, select) {
  onSelect = select;
  const roots = el('ul', { role: 'tree' });
  const goTo = el('input', { id: 'goto', placeholder: '/cse-in/…', 'aria-label': 'Open a path' });
  const form = el('form', { class: 'goto', onsubmit: (event) => {
    event.preventDefault();
    if (goTo.value.trim()) roots.append(node(pathOf(goTo.value.trim()), goTo.value.trim(), 0));
  } }, goTo, el('button', { type: 'submit' }, 'Open'));
  container.replaceChildren(form, roots);
  roots.append(node(root, root.slice(1), 5));
  addOwnAe(roots);
}

/** The signed-in AE as a second root: reachable by its AE-ID even where the CSEBase is not. */
async function addOwnAe(roots) {
  if (!/^[CS]/.test(session.origin)) return;
  const reply = await request('GET', `/${session.origin}`);
  if (!succeeded(reply)) return;
  const [, ae] = unwrap(reply.json);
  if (ae.rn) roots.append(node(`/${session.schema.cseName}/${ae.rn}`, `${ae.rn} (your AE)`, 2));
}

/** One tree node: a toggle that loads children, and a label that opens the resource. */
export function node(path, name, ty) {
  const children = el('ul', { role: 'group', hidden: true });
  const toggle = el('button', { type: 'button', class: 'toggle', 'aria-label': `Expand ${name}`, 'aria-expanded': 'false' }, '▸');
  const label = el('button', { type: 'button', class: 'node-label' }, name, ' ',
    el('span', { class: 'ty' }, ty ? (typeInfo(ty)?.sn || `ty ${ty}`) : ''));
  const item = el('li', { role: 'treeitem', 'data-path': path }, el('div', { class: 'node-row' }, toggle, label), children);
  let loaded = false;
  item.reload = async () => {
    if (!loaded) return;
    children.replaceChildren();
    await loadPage(path, children, 1);
  };
  toggle.addEventListener('click', async () => {
    const open = children.hidden;
    children.hidden = !open;
    toggle.textContent = open ? '▾' : '▸';
    toggle.setAttribute('aria-expanded', String(open));
    if (open && !loaded) {
      loaded = true;
      await loadPage(path, children, 1);
    }
  });
  label.addEventListener('click', () => {
    if (selected) selected.classList.remove('selected');
    selected = label;
    label.classList.add('selected');
    onSelect(path);
  });
  return item;
}

/** Loads the children of every node showing `path` again (after a create or delete). */
export async function reloadNode(path) {
  for (const item of document.querySelectorAll('#tree li[data-path]')) {
    if (item.dataset.path === path && item.reload) await item.reload();
  }
}

async function loadPage(path, list, offset) {
  const reply = await request('GET', path, { query: { rcn: 6, lvl: 1, lim: PAGE, ofst: offset } });
  if (!succeeded(reply)) {
    list.append(el('li', { class: 'error' }, describeError(reply)));
    return;
  }
  const references = (reply.json && reply.json['m2m:rrl'] && reply.json['m2m:rrl'].rrf) || [];
  for (const reference of references) {
    list.append(node(pathOf(reference.val), reference.nm, reference.typ));
  }
  if (!references.length && offset === 1) list.append(el('li', { class: 'ty' }, 'no children you may see'));
  const next = reply.cto ? Number(reply.cto) : (references.length === PAGE ? offset + PAGE : 0);
  if (next) {
    const more = el('li', {}, el('button', { type: 'button', class: 'more', onclick: () => { more.remove(); loadPage(path, list, next); } }, 'more…'));
    list.append(more);
  }
}
