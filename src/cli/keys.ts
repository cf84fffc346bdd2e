// Operator CLI for encryption keys:
//   npm run keys -- generate      prints a new keyid:base64 entry to put first in ENCRYPTION_KEYS
//   npm run keys -- reencrypt     rewrites every upstream credential under the primary (first) key
import { ConfigError, loadConfig } from '../config.js';
import { Keyring } from '../crypto/keyring.js';
import { openDatabase, openKeyring } from '../runtime.js';
import { reencryptAll } from '../storage/credentials.js';

const USAGE = `Usage:
  npm run keys -- generate
  npm run keys -- reencrypt`;

async function main(command: string | undefined): Promise<number> {
  if (command === 'generate') {
    console.log(Keyring.generateSpec());
    return 0;
  }
  if (command !== 'reencrypt') {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const keyring = await openKeyring(config);
  const database = await openDatabase(config);
  try {
    const count = await reencryptAll(database.db, keyring);
    console.log(`re-encrypted ${count} credential(s) under key "${keyring.primaryKeyId}"`);
    return 0;
  } finally {
    await database.close();
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  },
);
