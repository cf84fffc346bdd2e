// Entry point: read configuration, open dependencies, listen, and shut down gracefully.
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { openRuntime } from './runtime.js';
import { ProviderConfigError, providerFactories } from '../providers/index.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const runtime = await openRuntime(config);
  const app = await buildApp({ config, ...runtime });

  if (runtime.database.embedded || !config.redisUrl) {
    app.log.warn(
      { database: runtime.database.embedded ? `PGlite in ${config.dataDir}` : 'PostgreSQL', state: config.redisUrl ? 'Redis' : 'in-process' },
      'running embedded: this mode is single-instance; set DATABASE_URL and REDIS_URL to run several instances',
    );
  }
  if (runtime.providers.size === 0) {
    const options = providerFactories.map((f) => `${f.name} (${f.settings.map((s) => s.name).join(', ')})`).join('; ');
    app.log.warn(`no calendar provider is configured; set the settings of one of: ${options}`);
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  app.log.info(`calbroker is ready at ${config.publicUrl} (providers: ${[...runtime.providers.keys()].join(', ') || 'none'})`);
  if ([...runtime.providers.values()].some((p) => p.simulated)) {
    // The one link a newcomer needs, on its own line so it stands out from the JSON logs.
    console.log(`\n  Try calbroker: open ${config.publicUrl}/demo\n`);
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof ProviderConfigError) {
    console.error(error.message);
  } else {
    console.error('calbroker failed to start:', error);
  }
  process.exit(1);
});
