// Runs calbroker as a real separate process (src/server.ts), for tests about several instances.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

interface TestContext {
  teardown(fn: () => unknown): void;
}

export interface BrokerProcess {
  url: string;
  /** Everything the process printed to stdout so far. */
  stdout(): string;
  /** SIGTERM, and wait for the graceful exit. */
  stop(): Promise<void>;
}

/** Runs src/server.ts with `env` only (plus PATH and the like): no test-only configuration. */
export async function startBrokerProcess(t: TestContext, env: Record<string, string>, options: { inheritEnv?: boolean } = {}): Promise<string> {
  return (await runBrokerProcess(t, env, options)).url;
}

export async function runBrokerProcess(t: TestContext, env: Record<string, string>, options: { inheritEnv?: boolean } = {}): Promise<BrokerProcess> {
  const base = options.inheritEnv === false ? { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } : process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  t.teardown(stop);
  const url = `http://127.0.0.1:${env.PORT}`;
  for (let i = 0; i < 200; i += 1) {
    if (child.exitCode !== null) throw new Error(`calbroker exited during start: ${stderr}`);
    const healthy = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (healthy) return { url, stdout: () => stdout, stop };
    await sleep(100);
  }
  throw new Error(`calbroker did not become healthy: ${stderr}`);
}
