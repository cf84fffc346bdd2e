// Core configuration, read once from the environment at start. Provider settings
// (GOOGLE_* and friends) are parsed by each provider's own folder, not here.
import { isLoopbackUrl } from './http/urls.js';

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** Raw ENCRYPTION_KEYS; undefined means "embedded: generate and keep under dataDir". */
  encryptionKeys: string | undefined;
  registrationToken: string | undefined;
  helpUrl: string | undefined;
  logLevel: string;
  dataDir: string;
  /** Prefix for every state-store key, so several deployments (or test runs) can share one Redis. */
  redisKeyPrefix: string;
  /** Connect, header and body timeout of every upstream request. */
  upstreamTimeoutMs: number;
  /** fastify's trustProxy: whom to believe about the client's address (rate limits count per address). */
  trustProxy: boolean | string;
  /** Signs the operator into /dashboard; the dashboard is off when unset. */
  adminToken: string | undefined;
  /** No DATABASE_URL and no REDIS_URL: one process, PGlite and in-process state. */
  embedded: boolean;
  /** How this instance reaches itself over loopback, whatever address it listens on. */
  selfUrl: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Record<string, string | undefined>;

function nonEmpty(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function parseUrl(name: string, value: string, problems: string[], protocols: string[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${name} must be an absolute URL (got "${value}")`);
    return undefined;
  }
  if (!protocols.includes(url.protocol)) {
    problems.push(`${name} must use ${protocols.join(' or ')} (got "${url.protocol}")`);
    return undefined;
  }
  return url;
}

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];

  const portText = nonEmpty(env, 'PORT') ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) problems.push(`PORT must be a TCP port number (got "${portText}")`);

  // 'localhost' makes fastify listen on both 127.0.0.1 and ::1, matching the default PUBLIC_URL.
  const host = nonEmpty(env, 'HOST') ?? 'localhost';

  let publicUrl = nonEmpty(env, 'PUBLIC_URL') ?? `http://localhost:${portText}`;
  const parsedPublic = parseUrl('PUBLIC_URL', publicUrl, problems, ['http:', 'https:']);
  if (parsedPublic) {
    if (parsedPublic.search || parsedPublic.hash) problems.push('PUBLIC_URL must not have a query or fragment');
    if (parsedPublic.protocol === 'http:' && !isLoopbackUrl(parsedPublic)) {
      problems.push('PUBLIC_URL must be https unless it is a loopback address');
    }
    publicUrl = parsedPublic.href.replace(/\/+$/, '');
  }

  const databaseUrl = nonEmpty(env, 'DATABASE_URL');
  if (databaseUrl) parseUrl('DATABASE_URL', databaseUrl, problems, ['postgres:', 'postgresql:']);
  const redisUrl = nonEmpty(env, 'REDIS_URL');
  if (redisUrl) parseUrl('REDIS_URL', redisUrl, problems, ['redis:', 'rediss:']);

  const encryptionKeys = nonEmpty(env, 'ENCRYPTION_KEYS');
  if (databaseUrl && !encryptionKeys) {
    problems.push('ENCRYPTION_KEYS is required when DATABASE_URL is set (comma-separated keyid:base64-of-32-bytes)');
  }

  const timeoutText = nonEmpty(env, 'UPSTREAM_TIMEOUT_MS') ?? '10000';
  const upstreamTimeoutMs = Number(timeoutText);
  if (!/^\d+$/.test(timeoutText) || upstreamTimeoutMs < 100 || upstreamTimeoutMs > 120_000) {
    problems.push(`UPSTREAM_TIMEOUT_MS must be a number of milliseconds from 100 to 120000 (got "${timeoutText}")`);
  }
  const trustProxyText = nonEmpty(env, 'TRUST_PROXY');
  const trustProxy = trustProxyText === undefined || trustProxyText === 'false' ? false : trustProxyText === 'true' ? true : trustProxyText;

  const adminToken = nonEmpty(env, 'ADMIN_TOKEN');
  if (adminToken && adminToken.length < 16) problems.push('ADMIN_TOKEN must be at least 16 characters');

  const helpUrl = nonEmpty(env, 'HELP_URL');
  if (helpUrl) parseUrl('HELP_URL', helpUrl, problems, ['http:', 'https:']);

  const logLevel = nonEmpty(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);

  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }

  return {
    port,
    host,
    publicUrl,
    databaseUrl,
    redisUrl,
    encryptionKeys,
    registrationToken: nonEmpty(env, 'REGISTRATION_TOKEN'),
    helpUrl,
    logLevel,
    dataDir: nonEmpty(env, 'DATA_DIR') ?? 'data',
    redisKeyPrefix: nonEmpty(env, 'REDIS_KEY_PREFIX') ?? 'calbroker:',
    upstreamTimeoutMs,
    trustProxy,
    adminToken: nonEmpty(env, 'ADMIN_TOKEN'),
    embedded: !databaseUrl && !redisUrl,
    selfUrl: `http://${['0.0.0.0', '::', 'localhost'].includes(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${port}`,
  };
}
