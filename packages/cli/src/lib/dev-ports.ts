import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { DevPorts, EndpointsFile } from '@stevedore/local';

/*
 * `stevedore dev` keeps its ports across restarts: the ones it last listened on are remembered in
 * <state-dir>/ports.json and taken again when they are free, so a script, a browser tab or an
 * AWS_ENDPOINT_URL set yesterday still points at it.
 */

export const PORTS_FILE = 'ports.json';
/** The default first port (S3/SQS), as LocalStack's: ECS on the next, DynamoDB Local on the one after. */
export const DEFAULT_BASE_PORT = 4566;

/** The runtime's ports and the web console's. */
export type RememberedPorts = DevPorts & { console?: number };

/** The ports a state dir's last runtime listened on, if any were remembered. */
export function rememberedPorts(stateDir: string): RememberedPorts | undefined {
  const path = join(stateDir, PORTS_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const ports = JSON.parse(readFileSync(path, 'utf8')) as Partial<RememberedPorts>;
    const valid = (p: unknown) => Number.isInteger(p) && (p as number) > 0 && (p as number) < 65536;
    if (!(valid(ports.s3) && valid(ports.ecs) && valid(ports.dynamodb))) return undefined;
    const { s3, ecs, dynamodb, console } = ports as RememberedPorts;
    return { s3, ecs, dynamodb, ...(valid(console) ? { console } : {}) };
  } catch {
    return undefined; // unreadable: picked afresh and written again
  }
}

/** Writes the ports a runtime listens on (whole, then renamed into place). */
export function rememberPorts(
  stateDir: string,
  endpoints: EndpointsFile,
  consoleUrl: string,
): RememberedPorts {
  const port = (url: string) => Number(new URL(url).port);
  const ports = {
    s3: port(endpoints.s3),
    ecs: port(endpoints.ecs),
    dynamodb: port(endpoints.dynamodb),
    console: port(consoleUrl),
  };
  const path = join(stateDir, PORTS_FILE);
  writeFileSync(`${path}.partial`, `${JSON.stringify(ports)}\n`);
  renameSync(`${path}.partial`, path);
  return ports;
}

/** True when nothing listens on 127.0.0.1:port. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export type PortChoice =
  | { kind: 'ports'; ports: RememberedPorts; why: 'remembered' | 'given' | 'default' }
  | { kind: 'any'; why: string };

/**
 * Where to listen: an explicit --port N as given; otherwise the state dir's remembered ports when
 * all are free, else 4566-4568 when free, else any free ports (and why). `--port 0` skips 4566.
 */
export async function choosePorts(stateDir: string, flag: number | undefined): Promise<PortChoice> {
  if (flag !== undefined && flag > 0) {
    return {
      kind: 'ports',
      ports: { s3: flag, ecs: flag + 1, dynamodb: flag + 2, console: flag + 3 },
      why: 'given',
    };
  }
  const allFree = async (ports: RememberedPorts) =>
    (
      await Promise.all(
        [ports.s3, ports.ecs, ports.dynamodb, ...(ports.console ? [ports.console] : [])].map(isPortFree),
      )
    ).every(Boolean);
  const remembered = rememberedPorts(stateDir);
  if (remembered && (await allFree(remembered)))
    return { kind: 'ports', ports: remembered, why: 'remembered' };
  if (flag === 0)
    return { kind: 'any', why: remembered ? 'the remembered ports are taken' : 'asked (--port 0)' };
  const base = {
    s3: DEFAULT_BASE_PORT,
    ecs: DEFAULT_BASE_PORT + 1,
    dynamodb: DEFAULT_BASE_PORT + 2,
    console: DEFAULT_BASE_PORT + 3,
  };
  if (await allFree(base)) return { kind: 'ports', ports: base, why: 'default' };
  return {
    kind: 'any',
    why: `${remembered ? 'the remembered ports and ' : ''}${DEFAULT_BASE_PORT}-${DEFAULT_BASE_PORT + 3} are taken`,
  };
}
