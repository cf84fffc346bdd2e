// The operator's dashboard session: a signed, HttpOnly, SameSite=Strict cookie naming a random session id,
// whose record (kept in the state store under the id's hash) holds the CSRF token every form must carry.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomSecret, sameSecret } from '../../crypto/tokens.js';
import { PageError } from '../../errors.js';
import type { Limit } from '../../http/rate-limit.js';
import { Slot } from '../../state/slot.js';
import type { StateStore } from '../../state/state-store.js';

/** Failed sign-ins from one address: stops guessing the admin token. */
export const DASHBOARD_SIGN_IN_FAILURES_PER_ADDRESS: Limit = { name: 'dashboard-sign-in-address', limit: 10, windowSeconds: 600 };

/** Sessions end 8 hours after sign-in, however active: the operator signs in again each working day. */
const SESSION_SECONDS = 8 * 3600;

export interface DashboardSession {
  csrfToken: string;
}

const dashboardSessions = new Slot<DashboardSession>('dashboard-session', SESSION_SECONDS);

export class DashboardSessions {
  constructor(
    private readonly store: StateStore,
    private readonly secureCookies: boolean,
  ) {}

  private get cookieName(): string {
    // __Host- cookies must be Secure, Path=/ and host-only: no subdomain can plant or override one.
    return this.secureCookies ? '__Host-calbroker_dashboard' : 'calbroker_dashboard';
  }

  /** The session id from a correctly signed cookie, or undefined. */
  private sessionId(request: FastifyRequest): string | undefined {
    const raw = request.cookies[this.cookieName];
    if (!raw) return undefined;
    const unsigned = request.unsignCookie(raw);
    return unsigned.valid && unsigned.value ? unsigned.value : undefined;
  }

  /** Starts a new session (never reusing one the browser brought, against session fixation). */
  async start(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    await this.end(request, reply);
    const sessionId = randomSecret();
    await dashboardSessions.put(this.store, sessionId, { csrfToken: randomSecret() });
    reply.setCookie(this.cookieName, sessionId, {
      signed: true,
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secureCookies,
      path: '/',
      maxAge: SESSION_SECONDS,
    });
  }

  /** The signed-in session, or undefined when the browser has none (or it expired or was ended). */
  async read(request: FastifyRequest): Promise<DashboardSession | undefined> {
    const sessionId = this.sessionId(request);
    return sessionId ? dashboardSessions.get(this.store, sessionId) : undefined;
  }

  /** Ends the browser's session, if any, and clears its cookie. */
  async end(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const sessionId = this.sessionId(request);
    if (sessionId) await dashboardSessions.take(this.store, sessionId);
    if (request.cookies[this.cookieName] !== undefined) {
      reply.clearCookie(this.cookieName, { path: '/', secure: this.secureCookies, httpOnly: true, sameSite: 'strict' });
    }
  }

  /** For every state-changing POST: a live session, and the form's CSRF token matching it. */
  async requireForm(request: FastifyRequest): Promise<DashboardSession> {
    const session = await this.read(request);
    const body = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>;
    const presented = body.csrf_token;
    if (!session || typeof presented !== 'string' || !sameSecret(presented, session.csrfToken)) {
      throw new PageError(403, 'Request refused', 'This form was not submitted from a signed-in dashboard page, or your session has ended. Nothing was changed.', {
        link: { href: '/dashboard', text: 'Go to the dashboard' },
      });
    }
    return session;
  }
}
