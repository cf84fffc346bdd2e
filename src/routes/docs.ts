// GET /openapi.json (the OpenAPI document, see src/plugins/openapi.ts) and GET /docs (the same as a
// readable page). Register after every documented route: the document is built from them once the app is ready.
import type { FastifyInstance } from 'fastify';
import { sendPage, type Html } from '../http/html.js';
import { referencePage, REFERENCE_STYLE, type ApiDocument } from './docs-page.js';

export async function docsRoutes(app: FastifyInstance) {
  app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(app.swagger()),
  );

  // The routes do not change once the app is ready, so the page is rendered once.
  let page: Html | undefined;
  app.get('/docs', { config: { errorStyle: 'page' }, schema: { hide: true } }, async (_request, reply) => {
    page ??= referencePage(app.swagger() as unknown as ApiDocument);
    return sendPage(reply, 200, 'API reference', page, [], REFERENCE_STYLE);
  });
}
