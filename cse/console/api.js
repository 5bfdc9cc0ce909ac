// The console's only way to the CSE: oneM2M requests over this CSE's HTTP binding
// (TS-0009), with the signed-in originator and, when given, its JWT.

export const session = { origin: '', token: '', schema: null };

let sequence = 0;

/** Sends one oneM2M request; answers {status, rsc, json, dbg, cto, cts}. */
export async function request(method, path, options = {}) {
  const headers = {
    'X-M2M-Origin': session.origin,
    'X-M2M-RI': `console-${Date.now()}-${++sequence}`,
    'X-M2M-RVI': '3',
    Accept: 'application/json',
  };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (options.body !== undefined) {
    headers['Content-Type'] = options.ty ? `application/json;ty=${options.ty}` : 'application/json';
  }
  if (options.ret) headers['X-M2M-RET'] = String(options.ret);
  const query = options.query ? `?${new URLSearchParams(options.query)}` : '';
  const init = { method, headers, keepalive: Boolean(options.keepalive), signal: options.signal };
  if (options.body !== undefined) init.body = JSON.stringify(options.body);
  const response = await fetch(path + query, init);
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  return {
    status: response.status,
    rsc: Number(response.headers.get('X-M2M-RSC')) || 0,
    json,
    dbg: json && typeof json['m2m:dbg'] === 'string' ? json['m2m:dbg'] : (json ? '' : text),
    cto: response.headers.get('X-M2M-CTO'),
    cts: response.headers.get('X-M2M-CTS'),
  };
}

/** A 2xxx answer. */
export function succeeded(reply) {
  return reply.rsc >= 2000 && reply.rsc < 3000;
}

/** The oneM2M error as people read it: rsc, HTTP status and the m2m:dbg text. */
export function describeError(reply) {
  return `rsc ${reply.rsc} (HTTP ${reply.status})${reply.dbg ? `: ${reply.dbg}` : ''}`;
}

/** The single root of a resource representation: [key, body]. */
export function unwrap(json) {
  const key = json ? Object.keys(json)[0] : undefined;
  return key ? [key, json[key]] : ['', {}];
}

/** A reference (`cse-in/ae`, `/cse-in/ae`) as a path of this binding. */
export function pathOf(reference) {
  return reference.startsWith('/') ? reference : `/${reference}`;
}

/** The type description from schema.json, by number. */
export function typeInfo(ty) {
  return session.schema.types.find((t) => t.ty === ty);
}

/** The long name of a short name, or '' when unknown. */
export function longName(short) {
  return session.schema.names[short] || '';
}

/** Creates an element with attributes and children (text or nodes); no HTML parsing. */
export function el(tag, attributes = {}, ...children) {
  const svg = ['svg', 'polyline', 'circle', 'line', 'text', 'g', 'title'].includes(tag);
  const node = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}
