// Runs calbroker as a real separate process (src/server.ts), for tests about several instances.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

interface TestContext {
  teardown(fn: () => unknown): void;
}

export async function startBrokerProcess(t: TestContext, env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.teardown(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  const url = `http://127.0.0.1:${env.PORT}`;
  for (let i = 0; i < 200; i += 1) {
    if (child.exitCode !== null) throw new Error(`calbroker exited during start: ${stderr}`);
    const healthy = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (healthy) return url;
    await sleep(100);
  }
  throw new Error(`calbroker did not become healthy: ${stderr}`);
}
