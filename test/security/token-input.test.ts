// Malformed input at the token and revocation endpoints: every case a clean 4xx, never a 500.
import t, { type Test } from 'tap';
import { startBroker } from '../helpers/broker.js';
import { REDIRECT_URI, seedApp, seedCode } from '../helpers/seed.js';
import { assertClean, snapshot } from './clean.js';

async function setup(t: Test) {
  const broker = await startBroker(t, 'services');
  const { clientId, clientSecret } = await seedApp(broker.app);
  const code = await seedCode(broker.app, clientId);
  const before = await snapshot(broker);
  const post = (payload: string, headers: Record<string, string>, url = '/oauth/token') =>
    broker.app.inject({ method: 'POST', url, headers, payload });
  const valid = `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&client_id=${clientId}&client_secret=${clientSecret}`;
  return { broker, before, post, valid };
}

t.test('a token request without a content type is a 4xx invalid_request and issues nothing', async (t) => {
  const { broker, before, post, valid } = await setup(t);
  const response = await post(valid, {});
  t.ok(response.statusCode >= 400 && response.statusCode < 500, `status ${response.statusCode}`);
  t.equal(response.json().error, 'invalid_request');
  await assertClean(t, broker, before);
});

t.test('a token request with a wrong content type (text/xml) is a 4xx invalid_request', async (t) => {
  const { broker, before, post, valid } = await setup(t);
  const response = await post(valid, { 'content-type': 'text/xml' });
  t.equal(response.statusCode, 415);
  t.equal(response.json().error, 'invalid_request');
  await assertClean(t, broker, before);
});

t.test('malformed percent-encoding in a form body is refused as a client error', async (t) => {
  const { broker, before, post } = await setup(t);
  const response = await post('grant_type=authorization_code&code=%E0%A4%A&client_id=%ZZ&client_secret=%', { 'content-type': 'application/x-www-form-urlencoded' });
  t.ok(response.statusCode >= 400 && response.statusCode < 500, `status ${response.statusCode}`);
  t.match(response.json().error, /^invalid_(request|client|grant)$/);
  await assertClean(t, broker, before);
});

t.test('nested JSON objects and arrays as parameter values are invalid_request', async (t) => {
  const { broker, before, post } = await setup(t);
  for (const payload of [{ grant_type: ['authorization_code'] }, { grant_type: { $gt: '' } }, { code: null, grant_type: 1 }]) {
    const response = await post(JSON.stringify(payload), { 'content-type': 'application/json' });
    t.same([response.statusCode, response.json().error], [400, 'invalid_request'], JSON.stringify(payload));
  }
  await assertClean(t, broker, before);
});

t.test('form parameters written as nested or array keys (code[]=x, code[a]=x) are not parsed into objects', async (t) => {
  const { broker, before, post } = await setup(t);
  const response = await post('grant_type=authorization_code&code[]=a&code[a]=b&redirect_uri=x', { 'content-type': 'application/x-www-form-urlencoded' });
  t.ok(response.statusCode >= 400 && response.statusCode < 500);
  t.not(response.statusCode, 500);
  await assertClean(t, broker, before);
});

t.test('a token request body over 16 KiB is refused with 413 before parsing', async (t) => {
  const { broker, before, post, valid } = await setup(t);
  const response = await post(`${valid}&padding=${'a'.repeat(17 * 1024)}`, { 'content-type': 'application/x-www-form-urlencoded' });
  t.equal(response.statusCode, 413);
  t.equal(response.json().error, 'invalid_request');
  await assertClean(t, broker, before);
});

t.test('a revocation body over 16 KiB is refused with 413', async (t) => {
  const { post } = await setup(t);
  const response = await post(`token=${'a'.repeat(17 * 1024)}`, { 'content-type': 'application/x-www-form-urlencoded' }, '/oauth/token/revoke');
  t.equal(response.statusCode, 413);
});

t.test('GET (and other methods) on the token and revocation endpoints: 405 with Allow: POST', async (t) => {
  const { broker } = await setup(t);
  for (const [method, url] of [['GET', '/oauth/token'], ['PUT', '/oauth/token'], ['DELETE', '/oauth/token'], ['GET', '/oauth/token/revoke']] as const) {
    const response = await broker.app.inject({ method, url: `${url}?grant_type=authorization_code&code=x` });
    t.equal(response.statusCode, 405, `${method} ${url}`);
    t.equal(response.headers.allow, 'POST');
    t.equal(response.json().error, 'invalid_request');
  }
});

t.test('a JSON body that is not an object (string, number, array) is invalid_request', async (t) => {
  const { broker, before, post } = await setup(t);
  for (const payload of ['"text"', '42', '[]', 'null']) {
    const response = await post(payload, { 'content-type': 'application/json' });
    t.ok(response.statusCode === 400 || response.statusCode === 401, `${payload}: ${response.statusCode}`);
    t.match(response.json().error, /^invalid_(request|client)$/, payload);
  }
  await assertClean(t, broker, before);
});
