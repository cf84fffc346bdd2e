// Operator CLI for apps: create, list, rotate-secret (see USAGE).
// Uses the same configuration (DATABASE_URL, or the embedded database under ./data) as the server.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { OAuthError } from '../errors.js';
import { registerApp } from '../oauth/registration.js';
import { openDatabase } from '../runtime.js';
import { clientMetadata, listApps, rotateSecret } from '../storage/apps.js';

const USAGE = `Usage:
  npm run apps -- create --name NAME --redirect-uri URI [--redirect-uri URI ...] [--public] [--rotate-refresh-tokens]
  npm run apps -- list
  npm run apps -- rotate-secret --client-id ID   (the previous secret keeps working until the next rotation)`;

const COMMANDS = ['create', 'list', 'rotate-secret'];

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      public: { type: 'boolean' },
      'rotate-refresh-tokens': { type: 'boolean' },
      'client-id': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command || !COMMANDS.includes(command)) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }

  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    if (command === 'create') {
      const registered = await registerApp(database.db, {
        client_name: values.name,
        redirect_uris: values['redirect-uri'] ?? [],
        token_endpoint_auth_method: values.public ? 'none' : undefined,
        rotate_refresh_tokens: values['rotate-refresh-tokens'],
      });
      console.log(JSON.stringify(registered, null, 2));
    } else if (command === 'rotate-secret') {
      const rotated = values['client-id'] ? await rotateSecret(database.db, values['client-id']) : undefined;
      if (!rotated) {
        console.error('rotate-secret needs --client-id of an existing confidential app');
        return 1;
      }
      console.log(JSON.stringify({ client_id: rotated.app.id, client_secret: rotated.clientSecret }, null, 2));
    } else {
      console.log(JSON.stringify((await listApps(database.db)).map(clientMetadata), null, 2));
    }
    return 0;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof OAuthError) console.error(`${error.code}: ${error.description}`);
    else if (error instanceof ConfigError || (error instanceof Error && /in use by process|parseArgs|Unknown option/i.test(error.message))) console.error(error.message);
    else console.error(error);
    process.exit(1);
  },
);
