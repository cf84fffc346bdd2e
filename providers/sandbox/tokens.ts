// The sandbox's tokens are signed JWTs (HS256 under a secret derived from ENCRYPTION_KEYS), so
// connections survive restarts and work on every instance without the sandbox storing anything.
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';

export type TokenUse = 'code' | 'access' | 'refresh';

export interface SandboxClaims extends JWTPayload {
  use: TokenUse;
  email: string;
  name: string;
  scope: string;
  redirect_uri?: string;
  code_challenge?: string;
}

export class SandboxTokens {
  private readonly key: Uint8Array;

  constructor(secret: string, private readonly issuer: string) {
    this.key = new TextEncoder().encode(secret);
  }

  sign(claims: Omit<SandboxClaims, 'iss' | 'iat'>, lifetimeSeconds?: number): Promise<string> {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer(this.issuer).setIssuedAt().setJti(crypto.randomUUID());
    if (lifetimeSeconds) jwt.setExpirationTime(`${lifetimeSeconds}s`);
    return jwt.sign(this.key);
  }

  /** The claims of a valid token of the given use, or undefined. */
  async verify(token: string, use: TokenUse): Promise<SandboxClaims | undefined> {
    try {
      const { payload } = await jwtVerify<SandboxClaims>(token, this.key, { issuer: this.issuer, algorithms: ['HS256'] });
      return payload.use === use ? payload : undefined;
    } catch {
      return undefined;
    }
  }
}
