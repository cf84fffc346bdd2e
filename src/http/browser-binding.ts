// Binds an authorization in progress to the browser that started it, with a signed, HttpOnly cookie.
// Pending state stores only a hash of the cookie's value.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashSecret, randomSecret } from '../crypto/tokens.js';

export interface BrowserBindingOptions {
  secure: boolean;
}

function cookieName({ secure }: BrowserBindingOptions): string {
  // __Host- cookies must be Secure, Path=/ and host-only: the browser then refuses any subdomain's override.
  return secure ? '__Host-calbroker_browser' : 'calbroker_browser';
}

/** The hash of this browser's binding, or undefined when it has no valid (correctly signed) cookie. */
export function readBrowserBinding(request: FastifyRequest, options: BrowserBindingOptions): string | undefined {
  const raw = request.cookies[cookieName(options)];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value ? hashSecret(unsigned.value) : undefined;
}

/** The browser's binding hash, setting a new cookie when it has none. */
export function ensureBrowserBinding(request: FastifyRequest, reply: FastifyReply, options: BrowserBindingOptions): string {
  const existing = readBrowserBinding(request, options);
  if (existing) return existing;
  const value = randomSecret();
  reply.setCookie(cookieName(options), value, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: options.secure,
    path: '/',
    maxAge: 24 * 3600,
  });
  return hashSecret(value);
}
