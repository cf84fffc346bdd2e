// The API reference page: the OpenAPI document as plain server-rendered HTML, with no JavaScript,
// readable on a phone. Everything taken from the document goes through `html`, so it is escaped.
import { html, type Html } from '../http/html.js';

/** The parts of an OpenAPI 3 document the page reads. */
export interface JsonSchema {
  type?: string | string[];
  format?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  nullable?: boolean;
  $ref?: string;
}

interface MediaType {
  schema?: JsonSchema;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: JsonSchema;
}

interface Response {
  description?: string;
  headers?: Record<string, { description?: string; schema?: JsonSchema }>;
  content?: Record<string, MediaType>;
}

type SecurityRequirement = Record<string, string[]>;

export interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { description?: string; content?: Record<string, MediaType> };
  responses?: Record<string, Response>;
  security?: SecurityRequirement[];
}

export interface ApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  servers?: Array<{ url: string }>;
  tags?: Array<{ name: string; description?: string }>;
  paths?: Record<string, Record<string, Operation | undefined> | undefined>;
  components?: {
    schemas?: Record<string, JsonSchema>;
    securitySchemes?: Record<string, { type: string; scheme?: string; in?: string; description?: string }>;
  };
  security?: SecurityRequirement[];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const MAX_DEPTH = 6;

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** Text with `code spans`: each part escaped, the quoted ones as <code>. */
const prose = (text: string | undefined) => (text ?? '').split('`').map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : part));

/** Follows local references (`#/components/schemas/…`) within the document. */
function resolve(schema: JsonSchema | undefined, doc: ApiDocument): JsonSchema {
  let current = schema ?? {};
  for (let hops = 0; current.$ref && hops < 10; hops += 1) {
    if (!current.$ref.startsWith('#/')) return {};
    let target: unknown = doc;
    for (const segment of current.$ref.slice(2).split('/')) {
      target = (target as Record<string, unknown> | undefined)?.[segment.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    current = (target as JsonSchema | undefined) ?? {};
  }
  return current;
}

const typesOf = (schema: JsonSchema) => (Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []);

/** A short type, e.g. `string or null`, `array of object`, `"S256"`. */
function typeLabel(raw: JsonSchema | undefined, doc: ApiDocument, depth = 0): string {
  const schema = resolve(raw, doc);
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' or ');
  const members = schema.anyOf ?? schema.oneOf;
  if (members && depth < MAX_DEPTH) return [...new Set(members.map((m) => typeLabel(m, doc, depth + 1)))].join(' or ');
  const types = typesOf(schema);
  if (types.length === 0) return schema.properties ? 'object' : 'any';
  let label = types.map((t) => (t === 'array' ? `array of ${depth < MAX_DEPTH ? typeLabel(schema.items, doc, depth + 1) : 'any'}` : t)).join(' or ');
  if (schema.format) label += ` (${schema.format})`;
  if (schema.nullable) label += ' or null';
  return label;
}

interface Field {
  name: string;
  type: string;
  required: boolean;
  description: string | undefined;
}

/** The fields of an object schema, nested ones as `parent.child` and `list[].child`, unions merged. */
function fields(raw: JsonSchema | undefined, doc: ApiDocument, prefix = '', depth = 0): Field[] {
  const schema = resolve(raw, doc);
  if (depth > MAX_DEPTH) return [];
  const out: Field[] = [];
  for (const member of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) out.push(...fields(member, doc, prefix, depth + 1));
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(schema.properties ?? {});
  const rest = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : Object.values(schema.patternProperties ?? {})[0];
  if (rest) entries.push(['*', rest]);
  for (const [name, property] of entries) {
    const resolved = resolve(property, doc);
    const full = prefix + name;
    out.push({ name: full, type: typeLabel(resolved, doc), required: required.has(name), description: resolved.description });
    const inner = typesOf(resolved).includes('array') ? { schema: resolved.items, prefix: `${full}[].` } : { schema: resolved, prefix: `${full}.` };
    out.push(...fields(inner.schema, doc, inner.prefix, depth + 1));
  }
  const seen = new Set<string>();
  return out.filter((field) => !seen.has(field.name) && seen.add(field.name));
}

function fieldList(items: Array<Field & { where?: string }>): Html | '' {
  if (items.length === 0) return '';
  return html`<ul class="fields">${items.map(
    (f) =>
      html`<li><code>${f.name}</code> <span class="type">${f.where ? `${f.where}, ` : ''}${f.type}</span>${f.required ? html` <span class="req">required</span>` : ''}${
        f.description ? html`<div class="desc">${prose(f.description)}</div>` : ''
      }</li>`,
  )}</ul>`;
}

/** A body: its content types, then its fields, or its type when it has none. */
function content(media: Record<string, MediaType> | undefined, doc: ApiDocument): Html | '' {
  const types = Object.keys(media ?? {});
  if (types.length === 0) return '';
  const schema = media![types[0]!]!.schema;
  const listed = fields(schema, doc);
  return html`<p class="muted">${types.map((t, i) => [i > 0 ? ' or ' : '', html`<code>${t}</code>`])}${
    listed.length === 0 && schema ? html`: ${typeLabel(schema, doc)}` : ''
  }</p>${fieldList(listed)}`;
}

function schemeLabel(scheme: { type: string; scheme?: string; in?: string }): string {
  if (scheme.type === 'http') return scheme.scheme === 'bearer' ? 'HTTP bearer token' : `HTTP ${scheme.scheme ?? ''}`.trim();
  if (scheme.type === 'apiKey') return `API key in the ${scheme.in ?? 'request'}`;
  return scheme.type;
}

function authentication(op: Operation, doc: ApiDocument): Html | '' {
  const requirements = op.security ?? doc.security ?? [];
  const named = requirements.filter((r) => Object.keys(r).length > 0);
  if (named.length === 0) return '';
  const optional = named.length < requirements.length;
  const scopes = [...new Set(named.flatMap((r) => Object.values(r).flat()))];
  const alternatives = named.map((r) => Object.keys(r).map((name, i) => [i > 0 ? ' and ' : '', html`<a href="#security-${slug(name)}"><code>${name}</code></a>`]));
  return html`<p class="auth"><strong>Authentication:</strong> ${alternatives.map((a, i) => [i > 0 ? ', or ' : '', a])}${optional ? ', or none' : ''}</p>${
    scopes.length > 0 ? html`<p class="auth"><strong>Required scope:</strong> ${scopes.map((s, i) => [i > 0 ? ', ' : '', html`<code>${s}</code>`])}</p>` : ''
  }`;
}

/** Each response: success bodies in full, the others folded (a <details> needs no JavaScript). */
function responses(op: Operation, doc: ApiDocument): Html {
  return html`${Object.entries(op.responses ?? {}).map(([status, response]) => {
    const headers = fieldList(
      Object.entries(response.headers ?? {}).map(([name, header]) => ({
        name,
        where: 'header',
        type: typeLabel(header.schema, doc),
        required: false,
        description: header.description,
      })),
    );
    const body = content(response.content, doc);
    const heading = html`<code class="status">${status}</code> ${prose(response.description)}`;
    if (!headers && !body) return html`<div class="response"><p>${heading}</p></div>`;
    if (status.startsWith('2')) return html`<div class="response"><p>${heading}</p>${headers}${body}</div>`;
    return html`<details class="response"><summary>${heading}</summary>${headers}${body}</details>`;
  })}`;
}

interface Entry {
  method: (typeof METHODS)[number];
  path: string;
  op: Operation;
  id: string;
}

function operationSection({ method, path, op, id }: Entry, doc: ApiDocument): Html {
  const parameters = (op.parameters ?? []).map((p) => ({
    name: p.name,
    where: `in ${p.in}`,
    type: typeLabel(p.schema, doc),
    required: p.required === true,
    description: p.description ?? resolve(p.schema, doc).description,
  }));
  return html`<section class="op" id="${id}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${path}</code></h3>
${op.summary ? html`<p class="summary">${prose(op.summary)}</p>` : ''}${op.description ? html`<p>${prose(op.description)}</p>` : ''}
${authentication(op, doc)}
${parameters.length > 0 ? html`<h4>Parameters</h4>${fieldList(parameters)}` : ''}
${op.requestBody ? html`<h4>Request body</h4>${op.requestBody.description ? html`<p>${prose(op.requestBody.description)}</p>` : ''}${content(op.requestBody.content, doc)}` : ''}
<h4>Responses</h4>${responses(op, doc)}
</section>`;
}

/** The whole page body. */
export function referencePage(doc: ApiDocument): Html {
  const entries: Entry[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item?.[method];
      if (op) entries.push({ method, path, op, id: slug(`${method} ${path}`) });
    }
  }
  const tagNames = [...(doc.tags ?? []).map((t) => t.name), ...entries.map((e) => e.op.tags?.[0] ?? 'Other')];
  const groups = [...new Set(tagNames)]
    .map((name) => ({ name, description: doc.tags?.find((t) => t.name === name)?.description, entries: entries.filter((e) => (e.op.tags?.[0] ?? 'Other') === name) }))
    .filter((group) => group.entries.length > 0);
  const schemes = Object.entries(doc.components?.securitySchemes ?? {});
  const server = doc.servers?.[0]?.url;

  return html`<h1>${doc.info.title} API reference</h1>
<p class="muted">Version ${doc.info.version} · OpenAPI ${doc.openapi} · <a href="openapi.json">openapi.json</a></p>
${doc.info.description ? html`<p>${prose(doc.info.description)}</p>` : ''}
${server ? html`<p>Base URL: <code>${server}</code></p>` : ''}
<nav aria-label="Contents"><h2>Contents</h2><ul>
${schemes.length > 0 ? html`<li><a href="#security">Authentication</a></li>` : ''}
${groups.map(
  (g) => html`<li><a href="#tag-${slug(g.name)}">${g.name}</a><ul>${g.entries.map(
    (e) => html`<li><a href="#${e.id}"><span class="verb">${e.method.toUpperCase()}</span> <code>${e.path}</code></a>${e.op.summary ? html` · ${e.op.summary}` : ''}</li>`,
  )}</ul></li>`,
)}
</ul></nav>
${schemes.length > 0 ? html`<h2 id="security">Authentication</h2><ul class="fields">${schemes.map(
  ([name, scheme]) => html`<li id="security-${slug(name)}"><code>${name}</code> <span class="type">${schemeLabel(scheme)}</span>${
    scheme.description ? html`<div class="desc">${prose(scheme.description)}</div>` : ''
  }</li>`,
)}</ul>` : ''}
${groups.map((g) => html`<h2 id="tag-${slug(g.name)}">${g.name}</h2>${g.description ? html`<p>${prose(g.description)}</p>` : ''}${g.entries.map((e) => operationSection(e, doc))}`)}`;
}

/** Added to the shared page style: wider text, code, and lists that wrap on a narrow screen. */
export const REFERENCE_STYLE = `
body{max-width:48rem}h2{font-size:1.25rem;margin-top:2rem;padding-bottom:.2rem;border-bottom:1px solid #d1d9e0}
h3{font-size:1.05rem;overflow-wrap:anywhere}h4{font-size:.95rem;margin:1rem 0 .25rem}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.875em;background:#f6f8fa;border-radius:4px;padding:0 .2em;overflow-wrap:anywhere}
a{color:#0969da}nav ul{padding-left:1.2rem}nav li{margin:.2rem 0}.verb{font-size:.75rem;font-weight:700;color:#59636e}
.op{border-top:1px solid #d1d9e0;margin-top:1.5rem}.summary{font-weight:600}
.method{display:inline-block;font-size:.75rem;font-weight:700;padding:.1rem .4rem;border-radius:4px;background:#0969da;color:#fff;vertical-align:middle}
.method.post{background:#1a7f37}.method.delete{background:#cf222e}.method.put,.method.patch{background:#9a6700}
ul.fields{list-style:none;padding:0;margin:0}ul.fields li{padding:.35rem 0;border-bottom:1px solid #eef0f2}
.type{color:#59636e;font-size:.85rem}.req{color:#cf222e;font-size:.8rem}.desc{font-size:.9rem}
.response{margin:.5rem 0 .75rem}.response>p{margin:.25rem 0}summary{cursor:pointer}details>ul,details>p{margin-left:1rem}.auth{margin:.25rem 0}`;
