// The sandbox provider: a simulated calendar service, served by calbroker itself, so apps (and a
// newcomer's first demo) can run the whole flow without any upstream account. On in embedded mode
// unless SANDBOX=0; elsewhere off unless SANDBOX=1.
import { ProviderConfigError, type ProviderFactory } from '../contract.js';
import { sandboxAdapter } from './adapter.js';
import { SandboxStore } from './data.js';
import { sandboxServer } from './server.js';
import { SandboxTokens } from './tokens.js';

export const sandbox: ProviderFactory = {
  name: 'sandbox',
  settings: [{ name: 'SANDBOX', description: 'Enable the simulated sandbox provider (1) or disable it (0)', default: 'on when embedded, else off' }],
  create(env, context) {
    const setting = env.SANDBOX?.trim();
    if (setting !== undefined && setting !== '' && setting !== '0' && setting !== '1') {
      throw new ProviderConfigError(`SANDBOX must be 0 or 1 (got "${setting}")`);
    }
    const enabled = setting === '1' || (context.embedded && setting !== '0');
    if (!enabled) return undefined;
    const tokens = new SandboxTokens(context.deriveSecret('sandbox tokens'), `${context.publicUrl}/sandbox`);
    return { ...sandboxAdapter(context), server: sandboxServer(tokens, new SandboxStore(), context.publicUrl) };
  },
};
