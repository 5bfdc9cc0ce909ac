// Live view: a subscription on the resource whose notifications reach the browser
// through a pollingChannel under the user's AE (a browser cannot receive HTTP
// requests): nu names the AE, the CSE queues the notifications for its channel, and
// the page long-polls the channel's pcu and answers each one. The subscription and
// the channel are deleted when the view stops or the page goes away.

import { session, request, succeeded, describeError, unwrap, el } from './api.js';

const CHANNEL = 'console-pch';
const POLL_RET_MS = 20000;
let active = null;

/** Starts the live view of `path` in `panel`. */
export async function liveView(panel, path) {
  await stopLive();
  const status = el('p', { class: 'ty', id: 'live-status' }, 'Subscribing…');
  const log = el('ol', { class: 'live', id: 'live-log' });
  const stop = el('button', { type: 'button', 'data-action': 'stop-live', onclick: () => stopLive() }, 'Stop live view');
  panel.replaceChildren(el('h3', {}, `Live view of ${path}`), status, stop, log);
  const ae = await request('GET', `/${session.origin}`);
  if (!succeeded(ae)) {
    status.textContent = `The live view needs your AE (AE-ID ${session.origin}): ${describeError(ae)}`;
    status.className = 'error';
    return;
  }
  const aePath = `/${session.schema.cseName}/${unwrap(ae.json)[1].rn}`;
  // Once an AE has a channel, everything for it goes there: the console keeps out of
  // a channel the AE polls itself, and removes its own when the view stops.
  const channels = await request('GET', aePath, { query: { rcn: 6, lvl: 1, ty: 15 } });
  const other = ((channels.json && channels.json['m2m:rrl'] && channels.json['m2m:rrl'].rrf) || []).find((r) => r.nm !== CHANNEL);
  if (other) {
    status.textContent = `Your AE already has the pollingChannel ${other.nm}, which it polls itself; the live view would take its requests. Sign in with another AE for the live view.`;
    status.className = 'error';
    return;
  }
  const channel = await request('POST', aePath, { ty: 15, body: { 'm2m:pch': { rn: CHANNEL } } });
  if (!succeeded(channel) && channel.rsc !== 4105) {
    status.textContent = `Cannot make the pollingChannel: ${describeError(channel)}`;
    status.className = 'error';
    return;
  }
  const name = `console-${Date.now().toString(36)}`;
  const sub = await request('POST', path, { ty: 23, body: { 'm2m:sub': { rn: name, nu: [session.origin], enc: { net: [1, 2, 3, 4] } } } });
  if (!succeeded(sub)) {
    status.textContent = `Cannot subscribe: ${describeError(sub)}`;
    status.className = 'error';
    await request('DELETE', `${aePath}/${CHANNEL}`);
    return;
  }
  const current = { subscription: `${path}/${name}`, channel: `${aePath}/${CHANNEL}`, pcu: `${aePath}/${CHANNEL}/pcu`, controller: new AbortController(), log, status };
  active = current;
  status.textContent = `Subscribed (${current.subscription}); waiting for notifications…`;
  status.dataset.state = 'live';
  poll(current);
}

async function poll(current) {
  while (active === current) {
    let reply;
    try {
      reply = await request('GET', current.pcu, { ret: POLL_RET_MS, signal: current.controller.signal });
    } catch {
      return;
    }
    if (active !== current) return;
    if (reply.rsc === 4008) continue;
    if (!succeeded(reply)) {
      current.status.textContent = `Polling stopped: ${describeError(reply)}`;
      return;
    }
    const rqp = reply.json && reply.json['m2m:rqp'];
    if (!rqp) continue;
    show(current.log, rqp);
    await request('POST', current.pcu, { body: { 'm2m:rsp': { rsc: 2000, rqi: rqp.rqi, rvi: '3', fr: session.origin } } });
  }
}

function show(log, rqp) {
  const sgn = rqp.pc && rqp.pc['m2m:sgn'];
  const event = sgn && sgn.nev;
  const [key, resource] = unwrap(event && event.rep);
  const text = resource && resource.con !== undefined ? `${key} con=${typeof resource.con === 'string' ? resource.con : JSON.stringify(resource.con)}` : JSON.stringify(sgn || rqp.pc);
  log.prepend(el('li', { 'data-net': event ? event.net : '' }, `${new Date().toISOString()}  ${event ? `net ${event.net}  ` : ''}${text}`));
}

/** Ends the live view: stops polling and deletes the subscription. */
export async function stopLive(onLeave = false) {
  const current = active;
  active = null;
  if (!current) return;
  current.controller.abort();
  current.status.textContent = 'Live view stopped.';
  current.status.dataset.state = 'stopped';
  // keepalive lets the DELETEs finish while the page goes away.
  const removed = [current.subscription, current.channel].map((path) => request('DELETE', path, { keepalive: onLeave }).catch(() => {}));
  await Promise.all(removed);
}

window.addEventListener('pagehide', () => { stopLive(true); });
