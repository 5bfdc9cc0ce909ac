// The console's start: sign-in, then the tree, the resource view and discovery.

import { session, request, succeeded, describeError, pathOf, el } from './api.js';
import { showTree } from './tree.js';
import { showResource } from './view.js';
import { stopLive } from './live.js';

const $ = (id) => document.getElementById(id);

async function loadSchema() {
  const response = await fetch('schema.json');
  session.schema = await response.json();
}

async function signIn(event) {
  event.preventDefault();
  session.origin = $('origin').value.trim();
  session.token = $('token').value.trim();
  const root = `/${session.schema.cseName}`;
  const reply = await request('GET', root);
  if (!succeeded(reply) && reply.rsc !== 4103) {
    $('signin-error').textContent = `Sign-in failed: ${describeError(reply)}`;
    return;
  }
  sessionStorage.setItem('onecse-console', JSON.stringify({ origin: session.origin, token: session.token }));
  $('signin').hidden = true;
  $('main').hidden = false;
  $('signout').hidden = false;
  $('whoami').textContent = `Signed in as ${session.origin}`;
  $('disc-target').value = root;
  showTree($('tree'), root, (path) => showResource($('view'), path));
}

async function signOut() {
  await stopLive();
  sessionStorage.removeItem('onecse-console');
  window.location.reload();
}

async function discover(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const query = new URLSearchParams({ fu: '1' });
  for (const name of ['ty', 'lbl', 'cra', 'lim']) {
    const value = String(form.get(name) || '').trim();
    if (!value) continue;
    for (const item of name === 'ty' || name === 'lbl' ? value.split(',') : [value]) query.append(name, item.trim());
  }
  for (const [name, value] of new URLSearchParams(String(form.get('extra') || ''))) query.append(name, value);
  const reply = await request('GET', String(form.get('target')), { query });
  const list = $('disc-results');
  list.replaceChildren();
  $('disc-error').textContent = succeeded(reply) ? '' : describeError(reply);
  const found = (reply.json && reply.json['m2m:uril']) || [];
  for (const uri of found) {
    list.append(el('li', {}, el('button', { type: 'button', class: 'node-label', onclick: () => showResource($('view'), pathOf(uri)) }, uri)));
  }
  if (succeeded(reply)) list.append(el('li', { class: 'ty' }, `${found.length} found${reply.cto ? ', more after offset ' + reply.cto : ''}`));
}

async function start() {
  await loadSchema();
  $('signin').addEventListener('submit', signIn);
  $('signout').addEventListener('click', signOut);
  $('discover').addEventListener('submit', discover);
  const saved = sessionStorage.getItem('onecse-console');
  if (saved) {
    const { origin, token } = JSON.parse(saved);
    $('origin').value = origin;
    $('token').value = token;
    $('signin').requestSubmit();
  }
  document.body.dataset.ready = 'true';
}

start();
