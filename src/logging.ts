// Logger settings. Secrets, codes and tokens must never reach a log: requests are logged
// without query values, and credential-carrying headers are redacted.
import type { FastifyRequest } from 'fastify';

function pathWithQueryKeys(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const keys = [...new URLSearchParams(url.slice(q + 1)).keys()];
  return `${url.slice(0, q)}?${keys.map((k) => `${encodeURIComponent(k)}=…`).join('&')}`;
}

export function loggerOptions(level: string) {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.access_token', '*.refresh_token', '*.client_secret', '*.code'],
      censor: '[redacted]',
    },
    serializers: {
      req(request: FastifyRequest) {
        return { method: request.method, url: pathWithQueryKeys(request.url), remoteAddress: request.ip };
      },
    },
  };
}
