// The API documentation: GET /openapi.json (OpenAPI 3, generated from the route schemas) and GET /docs
// (the same as a server-rendered page under the hosted pages' strict headers).
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import t from 'tap';
import { openapiPlugin } from '../src/plugins/openapi.js';
import { referencePage, type ApiDocument } from '../src/routes/docs-page.js';
import { startBroker } from './helpers/broker.js';

const packageVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

type Operation = {
  summary?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content: Record<string, { schema: { properties: Record<string, { enum?: string[] }>; required?: string[] } }> };
  responses: Record<string, unknown>;
};
type Document = {
  openapi: string;
  info: { title: string; version: string };
  servers: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
};

/** Every path the reference must document, with its methods. */
const DOCUMENTED: Record<string, string[]> = {
  '/.well-known/oauth-authorization-server': ['get'],
  '/oauth/register': ['post'],
  '/oauth/authorize': ['get', 'post'],
  '/oauth/token': ['post'],
  '/oauth/token/revoke': ['post'],
  '/v1/account': ['get'],
  '/v1/profiles': ['get'],
  '/v1/userinfo': ['get'],
  '/v1/calendars': ['get'],
  '/v1/events': ['get'],
  '/v1/free_busy': ['get'],
  '/v1/calendars/{calendar_id}/events': ['post', 'delete'],
  '/v1/profiles/{profile_id}/revoke': ['post'],
};

/** The scope each /v1 operation needs (its route's config.scope); none for the others. */
const SCOPES: Record<string, string[]> = {
  'get /v1/account': ['read_account'],
  'get /v1/calendars': ['list_calendars'],
  'get /v1/events': ['read_events'],
  'get /v1/events/pages/{page}': ['read_events'],
  'get /v1/free_busy': ['read_free_busy'],
  'get /v1/free_busy/pages/{page}': ['read_free_busy'],
  'post /v1/calendars/{calendar_id}/events': ['create_event'],
  'delete /v1/calendars/{calendar_id}/events': ['delete_event'],
};

t.test('GET /openapi.json', async (t) => {
  const broker = await startBroker(t, 'services');
  const response = await broker.app.inject({ url: '/openapi.json' });
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /^application\/json/);
  const doc = response.json() as Document;

  t.match(doc.openapi, /^3\.[01]\.\d+$/);
  t.same([doc.info.title, doc.info.version], ['calbroker', packageVersion]);
  t.same(doc.servers, [{ url: broker.url }]);
  t.match(doc.components.securitySchemes, { bearer: { type: 'http', scheme: 'bearer' }, basic: { type: 'http', scheme: 'basic' } });

  for (const [path, methods] of Object.entries(DOCUMENTED)) {
    t.ok(doc.paths[path], `${path} is documented`);
    for (const method of methods) t.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is documented`);
  }
  t.same(Object.keys(doc.paths['/oauth/token']!), ['post'], 'the 405 answers to other methods are not operations');

  for (const [path, item] of Object.entries(doc.paths)) {
    t.notMatch(path, /^\/(dashboard|sandbox|demo|docs|openapi\.json)(\/|$)/, `${path} is not hidden`);
    for (const [method, op] of Object.entries(item)) {
      t.ok(op.summary && op.tags?.length && Object.keys(op.responses).length, `${method} ${path} has a summary, tags and responses`);
      if (path.startsWith('/v1/')) {
        t.same(op.tags, ['Calendar API'], `${method} ${path} tag`);
        t.same(op.security, [{ bearer: SCOPES[`${method} ${path}`] ?? [] }], `${method} ${path} needs a bearer token and its scope`);
      } else {
        t.notOk(op.security?.some((r) => 'bearer' in r), `${method} ${path} does not take the /v1 bearer token`);
      }
    }
  }

  const token = doc.paths['/oauth/token']!.post!;
  t.same(token.tags, ['OAuth']);
  t.same(token.security, [{ basic: [] }, {}], 'HTTP Basic, or credentials in the body');
  for (const type of ['application/x-www-form-urlencoded', 'application/json']) {
    const body = token.requestBody!.content[type]!.schema;
    t.same(body.properties.grant_type?.enum, ['authorization_code', 'refresh_token'], `grant_type documented for ${type}`);
    t.ok(body.required?.includes('grant_type'));
    for (const name of ['client_id', 'client_secret', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'scope']) t.ok(body.properties[name], `${name} documented`);
  }
  t.ok(doc.paths['/oauth/token/revoke']!.post!.requestBody!.content['application/x-www-form-urlencoded']!.schema.properties.token);
  t.same(doc.paths['/oauth/token/revoke']!.post!.security, [{ basic: [] }, {}]);

  const names = (op: Operation, where: string) => (op.parameters ?? []).filter((p) => p.in === where).map((p) => p.name);
  t.same(names(doc.paths['/oauth/authorize']!.get!, 'query').slice(0, 4), ['response_type', 'client_id', 'redirect_uri', 'scope']);
  t.ok(names(doc.paths['/v1/events']!.get!, 'query').includes('calendar_ids[]'));
  t.same(names(doc.paths['/v1/calendars/{calendar_id}/events']!.delete!, 'path'), ['calendar_id']);
  t.same(names(doc.paths['/v1/profiles/{profile_id}/revoke']!.post!, 'path'), ['profile_id']);
  t.ok(doc.paths['/v1/calendars/{calendar_id}/events']!.post!.requestBody!.content['application/json']!.schema.properties.event_id);
  t.ok(doc.paths['/v1/events']!.get!.responses['422'], "Cronofy's 422 is documented");
});

t.test('the sandbox provider and the demo app are left out', async (t) => {
  const broker = await startBroker(t, 'embedded');
  t.ok(broker.app.hasRoute({ method: 'GET', url: '/demo' }) && broker.app.hasRoute({ method: 'GET', url: '/sandbox/oauth/authorize' }), 'embedded mode serves them');
  const paths = Object.keys((await broker.app.inject({ url: '/openapi.json' })).json().paths as object);
  t.ok(paths.includes('/v1/calendars'));
  t.same(paths.filter((p) => /^\/(sandbox|demo|dashboard)/.test(p)), []);
});

t.test('documented parameters are not validated: the endpoints keep their own errors', async (t) => {
  const broker = await startBroker(t, 'services');
  const token = await broker.app.inject({ method: 'POST', url: '/oauth/token', payload: {} });
  t.same([token.statusCode, token.json().error], [401, 'invalid_client'], 'no grant_type: client authentication still comes first');
  const register = await broker.app.inject({ method: 'POST', url: '/oauth/register', payload: { redirect_uris: 'x' } });
  t.same([register.statusCode, register.json().error], [400, 'invalid_client_metadata']);
  const authorize = await broker.app.inject({ url: '/oauth/authorize' });
  t.equal(authorize.statusCode, 400);
  t.match(authorize.headers['content-type'], /^text\/html/, 'the error page, not a validation error');
});

t.test('GET /docs', async (t) => {
  const broker = await startBroker(t, 'services');
  const response = await broker.app.inject({ url: '/docs' });
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /^text\/html; charset=utf-8/);
  const csp = String(response.headers['content-security-policy']);
  t.match(csp, /default-src 'none'/);
  t.match(csp, /frame-ancestors 'none'/);
  t.notMatch(csp, /script-src/);
  t.equal(response.headers['x-frame-options'], 'DENY');
  t.equal(response.headers['x-content-type-options'], 'nosniff');
  t.equal(response.headers['cache-control'], 'no-store');

  const page = response.body;
  t.match(page, /<meta name="viewport" content="width=device-width,initial-scale=1">/);
  t.notMatch(page, /<script/i, 'no JavaScript');
  t.match(page, /<a href="openapi.json">/);
  for (const [path, methods] of Object.entries(DOCUMENTED)) {
    for (const method of methods) t.ok(page.includes(`${method.toUpperCase()}</span> <code>${path}</code>`), `${method.toUpperCase()} ${path} is listed`);
  }
  t.notMatch(page, /\/dashboard|\/sandbox|\/demo/);
  t.match(page, /<strong>Required scope:<\/strong> <code>list_calendars<\/code>/);
  t.match(page, /<code>grant_type<\/code>/);
  // Descriptions are escaped: the bearer scheme's says "Authorization: Bearer <access token>".
  t.ok(page.includes('Bearer &lt;access token&gt;'));
  t.notOk(page.includes('<access token>'));

  const again = await broker.app.inject({ url: '/docs' });
  t.equal(again.body, page, 'rendered once');
});

t.test('the page escapes everything it takes from the document', async (t) => {
  const hostile = '<script>alert(1)</script>';
  const doc: ApiDocument = {
    openapi: '3.1.0',
    info: { title: hostile, version: '"><img src=x onerror=alert(1)>', description: `see \`${hostile}\`` },
    servers: [{ url: 'https://cal.example.com/"><b>' }],
    tags: [{ name: hostile, description: hostile }],
    paths: {
      [`/x/${hostile}`]: {
        get: {
          summary: hostile,
          description: hostile,
          tags: [hostile],
          security: [{ [hostile]: [hostile] }],
          parameters: [{ name: hostile, in: 'query', description: hostile, schema: { type: 'string', enum: [hostile] } }],
          responses: {
            [hostile]: {
              description: hostile,
              headers: { [hostile]: { description: hostile, schema: { type: 'string' } } },
              content: { [hostile]: { schema: { type: 'object', properties: { [hostile]: { type: 'string', description: hostile } } } } },
            },
          },
        },
      },
    },
    components: { securitySchemes: { [hostile]: { type: hostile, description: hostile } } },
  };
  const page = referencePage(doc).value;
  t.notMatch(page, /<script|<img|<b>/);
  t.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  t.match(page, /<code>&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/code>/, 'code spans are escaped too');
  t.match(page, /id="tag-script-alert-1-script"/, 'anchors are slugs');
});

t.test('the transform: undocumented, hidden and documentation-only routes', async (t) => {
  const app = Fastify();
  t.teardown(() => app.close());
  await app.register(openapiPlugin, { publicUrl: 'https://cal.example.com/base' });
  const documented = { type: 'object', properties: { count: { type: 'integer' } }, required: ['count'] };
  const schema = { summary: 'Thing', tags: ['Calendar API'], documentation: { querystring: documented, response: { 202: { type: 'null', description: 'Accepted' } } } };
  app.get('/v1/thing', { config: { scope: 'read_events' }, schema }, async (_request, reply) => reply.code(202).send());
  app.get('/untagged', async () => 'no schema');
  app.get('/dashboard/apps', { schema: { summary: 'Apps', tags: ['OAuth'] } }, async () => 'hidden by prefix');
  app.get('/sandbox/x', async () => 'hidden');
  app.get('/demo', { schema: { hide: true } }, async () => 'hidden');
  app.get('/base-things', { schema: { summary: 'Base path', tags: ['OAuth'] } }, async () => 'kept whole');
  await app.ready();

  const doc = app.swagger() as unknown as Document;
  t.same(Object.keys(doc.paths).sort(), ['/base-things', '/v1/thing']);
  const op = doc.paths['/v1/thing']!.get!;
  t.same(op.security, [{ bearer: ['read_events'] }]);
  t.same(op.parameters?.map((p) => [p.in, p.name]), [['query', 'count']]);
  t.ok(op.responses['202']);
  t.ok(schema.documentation, 'the route schema is left as it was');
  const response = await app.inject({ url: '/v1/thing?count=not-a-number' });
  t.equal(response.statusCode, 202, 'the documented query is not validated');
});
