// Encryption at rest for upstream tokens: AES-256-GCM under named keys. The first key encrypts,
// every key decrypts, so keys can rotate. Additional data binds each ciphertext to its row.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class Keyring {
  private constructor(
    private readonly keys: Map<string, Buffer>,
    readonly primaryKeyId: string,
  ) {}

  /** Parses ENCRYPTION_KEYS: comma-separated `keyid:base64-of-32-bytes`. */
  static parse(spec: string): Keyring {
    const keys = new Map<string, Buffer>();
    let primary: string | undefined;
    for (const entry of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
      const colon = entry.indexOf(':');
      const keyId = colon > 0 ? entry.slice(0, colon) : '';
      const key = Buffer.from(entry.slice(colon + 1), 'base64');
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(keyId)) {
        throw new Error('ENCRYPTION_KEYS: each entry must be keyid:base64 with a key id of letters, digits, _ or -');
      }
      if (key.length !== 32) throw new Error(`ENCRYPTION_KEYS: key "${keyId}" must be 32 bytes, base64-encoded`);
      if (keys.has(keyId)) throw new Error(`ENCRYPTION_KEYS: key id "${keyId}" appears twice`);
      keys.set(keyId, key);
      primary ??= keyId;
    }
    if (!primary) throw new Error('ENCRYPTION_KEYS holds no key');
    return new Keyring(keys, primary);
  }

  static generateSpec(keyId = `k${Date.now().toString(36)}`): string {
    return `${keyId}:${randomBytes(32).toString('base64')}`;
  }

  /** Embedded mode: the keys live in dataDir/encryption-keys, created once with mode 0600. */
  static async loadOrCreate(dataDir: string): Promise<Keyring> {
    const file = path.join(dataDir, 'encryption-keys');
    const existing = await readFile(file, 'utf8').catch(() => undefined);
    if (existing) return Keyring.parse(existing.trim());
    await mkdir(dataDir, { recursive: true });
    const spec = Keyring.generateSpec();
    await writeFile(file, `${spec}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(file, 0o600);
    return Keyring.parse(spec);
  }

  encrypt(plaintext: string, additionalData: string): { keyId: string; ciphertext: string } {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key(this.primaryKeyId), iv);
    cipher.setAAD(Buffer.from(additionalData));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: this.primaryKeyId, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url') };
  }

  /** Throws when the key is unknown, the data was altered, or it belongs to another row. */
  decrypt(keyId: string, ciphertext: string, additionalData: string): string {
    const raw = Buffer.from(ciphertext, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key(keyId), raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(additionalData));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }

  /** Secrets for other purposes (cookie signing), derived per key so they rotate with the keys; primary first. */
  deriveSecrets(purpose: string): string[] {
    const ids = [this.primaryKeyId, ...[...this.keys.keys()].filter((id) => id !== this.primaryKeyId)];
    return ids.map((id) => Buffer.from(hkdfSync('sha256', this.key(id), Buffer.alloc(0), `calbroker ${purpose}`, 32)).toString('base64url'));
  }

  private key(keyId: string): Buffer {
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`Unknown encryption key id "${keyId}"`);
    return key;
  }
}
