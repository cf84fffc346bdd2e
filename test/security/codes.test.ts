// Attacks on authorization codes (RFC 6749 4.1.2, 10.5; RFC 9700 4.5): replay, races, binding to the
// client and redirect_uri, lifetime, and codes burnt by failed client authentication.
import { Redis } from 'ioredis';
import t, { type Test } from 'tap';
import { registerClient, type RegisteredClient } from '../helpers/flow.js';
import { REDIS_URL } from '../helpers/services.js';
import { api, brokerWithGoogle, codeThroughFlow, REDIRECT_URI, tokenRequest, basic, type Setup } from './support.js';

const OTHER_URI = 'https://app.example.com/other';

async function setup(t: Test): Promise<Setup & { client: RegisteredClient; code: () => Promise<string>; redeem: (code: string, more?: Record<string, string>) => ReturnType<typeof tokenRequest> }> {
  const s = await brokerWithGoogle(t);
  const client = await registerClient(s.broker.url, [REDIRECT_URI, OTHER_URI]);
  const code = () => codeThroughFlow(s.broker, { clientId: client.client_id, redirectUri: REDIRECT_URI, state: 's1' });
  const redeem = (code: string, more: Record<string, string> = {}) =>
    tokenRequest(s.broker, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: client.client_id, client_secret: client.client_secret, ...more });
  return { ...s, client, code, redeem };
}

async function withRedis<T>(fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(REDIS_URL);
  try {
    return await fn(redis);
  } finally {
    await redis.quit();
  }
}

t.test('a second redemption fails with invalid_grant and revokes every token of the first', async (t) => {
  const { broker, code, redeem, client } = await setup(t);
  const theCode = await code();
  const first = await redeem(theCode);
  t.equal(first.status, 200);
  const accessToken = first.json.access_token as string;
  const refreshToken = first.json.refresh_token as string;
  t.equal((await api(broker, '/v1/calendars', accessToken)).status, 200, 'control: the first access token works');
  const refreshed = await tokenRequest(broker, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: client.client_id, client_secret: client.client_secret });
  t.equal(refreshed.status, 200, 'control: the refresh token works');

  const second = await redeem(theCode);
  t.same([second.status, second.json.error], [400, 'invalid_grant'], 'the replay is refused');
  t.notOk(second.json.access_token, 'and issues nothing');

  const calendars = await api(broker, '/v1/calendars', accessToken);
  t.equal(calendars.status, 401, "the first redemption's access token is revoked");
  t.match(calendars.headers.get('www-authenticate'), /error="invalid_token"/);
  t.equal((await api(broker, '/v1/calendars', refreshed.json.access_token as string)).status, 401, 'so is an access token refreshed from it');
  const refresh = await tokenRequest(broker, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: client.client_id, client_secret: client.client_secret });
  t.same([refresh.status, refresh.json.error], [400, 'invalid_grant'], "the first redemption's refresh token is revoked");
});

t.test('ten parallel redemptions of one code: exactly one 200', async (t) => {
  const { code, redeem } = await setup(t);
  const theCode = await code();
  const results = await Promise.all(Array.from({ length: 10 }, () => redeem(theCode)));
  t.equal(results.filter((r) => r.status === 200).length, 1, 'one winner');
  t.equal(results.filter((r) => r.status === 400 && r.json.error === 'invalid_grant').length, 9, 'nine invalid_grant');
  t.equal(results.filter((r) => r.json.access_token).length, 1, 'one access token issued in all');
});

t.test("a code is bound to its client: another app's valid credentials get invalid_grant", async (t) => {
  const { broker, code, redeem } = await setup(t);
  const other = await registerClient(broker.url, [REDIRECT_URI], 'Other');
  const response = await redeem(await code(), { client_id: other.client_id, client_secret: other.client_secret });
  t.same([response.status, response.json.error], [400, 'invalid_grant']);
  t.notOk(response.json.access_token);
});

t.test('a code is bound to its redirect_uri: another registered redirect_uri gets invalid_grant', async (t) => {
  const { code, redeem } = await setup(t);
  for (const uri of [OTHER_URI, `${REDIRECT_URI}/`, 'https://APP.example.com/cb']) {
    const response = await redeem(await code(), { redirect_uri: uri });
    t.same([response.status, response.json.error], [400, 'invalid_grant'], uri);
    t.notOk(response.json.access_token);
  }
});

t.test('a code redeemed without redirect_uri is refused (invalid_request)', async (t) => {
  const { code, client, broker } = await setup(t);
  const response = await tokenRequest(broker, { grant_type: 'authorization_code', code: await code(), client_id: client.client_id, client_secret: client.client_secret });
  t.same([response.status, response.json.error], [400, 'invalid_request']);
});

t.test("a code's lifetime in Redis is between 60 seconds and 10 minutes", async (t) => {
  const { broker, code } = await setup(t);
  await code();
  const prefix = broker.env.REDIS_KEY_PREFIX!;
  const ttls = await withRedis(async (redis) => {
    const keys = await redis.keys(`${prefix}code:*`);
    return Promise.all(keys.map((key) => redis.pttl(key)));
  });
  t.equal(ttls.length, 1, 'one code key');
  const pttl = ttls[0]!;
  t.ok(pttl >= 60_000, `at least 60 s (${pttl} ms)`);
  t.ok(pttl <= 600_000, `at most 10 min (${pttl} ms)`);
});

t.test('Redis holds no redeemable code: neither key nor value contains the code', async (t) => {
  const { broker, code } = await setup(t);
  const theCode = await code();
  const prefix = broker.env.REDIS_KEY_PREFIX!;
  const dump = await withRedis(async (redis) => {
    const keys = await redis.keys(`${prefix}*`);
    const values = await Promise.all(keys.map(async (key) => ((await redis.type(key)) === 'string' ? redis.get(key) : '')));
    return keys.join('\n') + values.join('\n');
  });
  t.notMatch(dump, theCode);
});

t.test('an expired code is refused with invalid_grant', async (t) => {
  const { broker, code, redeem } = await setup(t);
  const theCode = await code();
  const prefix = broker.env.REDIS_KEY_PREFIX!;
  await withRedis(async (redis) => {
    const [key] = await redis.keys(`${prefix}code:*`);
    await redis.pexpire(key!, 1);
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  const response = await redeem(theCode);
  t.same([response.status, response.json.error], [400, 'invalid_grant']);
});

t.test('a failed client authentication does not consume the code', async (t) => {
  const { broker, code, redeem, client } = await setup(t);
  const theCode = await code();
  const fields = { grant_type: 'authorization_code', code: theCode, redirect_uri: REDIRECT_URI };
  const wrongPost = await redeem(theCode, { client_secret: 'wrong-secret' });
  t.same([wrongPost.status, wrongPost.json.error], [401, 'invalid_client'], 'wrong secret (client_secret_post)');
  const wrongBasic = await tokenRequest(broker, fields, { headers: { authorization: basic(client.client_id, 'wrong-secret') } });
  t.same([wrongBasic.status, wrongBasic.json.error], [401, 'invalid_client'], 'wrong secret (client_secret_basic)');
  const noSecret = await tokenRequest(broker, { ...fields, client_id: client.client_id });
  t.same([noSecret.status, noSecret.json.error], [401, 'invalid_client'], 'no secret at all');
  const ok = await redeem(theCode);
  t.equal(ok.status, 200, 'the rightful client still redeems the code afterwards');
  t.ok(ok.json.access_token);
});
