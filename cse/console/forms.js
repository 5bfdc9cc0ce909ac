// Create and update forms generated from a type's attribute table (schema.json):
// one field per attribute the request may carry, typed by its value kind.

import { request, succeeded, describeError, el } from './api.js';

/** A form creating a child of `parent` of the type `info`. */
export function createForm(parent, info, done) {
  const fields = info.attributes.filter((a) => a.create !== 'NP');
  return form(`Create ${info.ln} under ${parent}`, fields, 'create', async (content) => {
    const reply = await request('POST', parent, { ty: info.ty, body: { [`m2m:${info.sn}`]: content } });
    return [reply, done];
  });
}

/** A form updating the resource at `path`, filled with its current values. */
export function updateForm(path, info, resource, done) {
  const fields = info.attributes.filter((a) => a.update !== 'NP');
  return form(`Update ${path}`, fields, 'update', async (content) => {
    const reply = await request('PUT', path, { body: { [`m2m:${info.sn}`]: content } });
    return [reply, done];
  }, resource);
}

function form(title, fields, operation, send, current = {}) {
  const status = el('p', { class: 'error', role: 'alert', id: 'form-status' });
  const inputs = fields.map((a) => [a, input(a, current[a.sn], operation)]);
  // An update sends only what the user changed.
  const initial = new Map(inputs.map(([, field]) => [field, field.value]));
  const node = el('form', { class: 'resource-form', 'data-operation': operation },
    el('fieldset', {}, el('legend', {}, title),
      inputs.map(([a, field]) => el('label', {}, `${a.sn}${a.ln ? ` (${a.ln})` : ''}${a[operation] === 'M' ? ' *' : ''}`, field))),
    el('button', { type: 'submit' }, operation === 'create' ? 'Create' : 'Update'), status);
  node.addEventListener('submit', async (event) => {
    event.preventDefault();
    let content;
    try {
      content = Object.fromEntries(inputs
        .filter(([, field]) => operation === 'create' || field.value !== initial.get(field))
        .map(([a, field]) => [a.sn, valueOf(a, field)])
        .filter(([, v]) => v !== undefined));
    } catch (problem) {
      status.textContent = problem.message;
      return;
    }
    const [reply, done] = await send(content);
    if (succeeded(reply)) {
      status.textContent = '';
      done();
    } else {
      status.textContent = describeError(reply);
    }
  });
  return node;
}

function input(attribute, value, operation) {
  const name = attribute.sn;
  const kind = attribute.kind;
  const shown = value === undefined ? '' : value;
  if (kind === 'boolean' || (kind && kind.enum)) {
    const options = kind === 'boolean' ? ['true', 'false'] : kind.enum.map(String);
    return el('select', { name }, el('option', { value: '' }, '(not given)'),
      options.map((o) => el('option', { value: o, selected: String(shown) === o }, o)));
  }
  if (kind === 'object' || kind === 'any') {
    return el('textarea', { name, rows: 3, placeholder: 'JSON' }, shown === '' ? '' : JSON.stringify(shown));
  }
  const type = kind === 'integer' || kind === 'number' ? 'number' : 'text';
  const text = Array.isArray(shown) ? shown.join(', ') : String(shown);
  return el('input', { name, type, step: kind === 'number' ? 'any' : undefined, value: text,
    required: attribute[operation] === 'M', placeholder: kind === 'list' ? 'comma-separated' : kind === 'timestamp' ? 'YYYYMMDDTHHMMSS' : undefined });
}

/** The field's value as the attribute's JSON, or undefined when left empty. */
function valueOf(attribute, field) {
  const raw = field.value.trim();
  if (raw === '') return undefined;
  const kind = attribute.kind;
  if (kind === 'boolean') return raw === 'true';
  if (kind && kind.enum) return Number(raw);
  if (kind === 'integer' || kind === 'number') return Number(raw);
  if (kind === 'list') return raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (kind === 'object' || kind === 'any') {
    try { return JSON.parse(raw); } catch { if (kind === 'any') return raw; throw new Error(`${attribute.sn}: not valid JSON`); }
  }
  return raw;
}
