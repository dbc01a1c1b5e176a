import { join } from 'node:path';
import type { DeclaredResource, ProgramOutcome, ProgramRun } from './declared';
import { harnessEnv } from './harness-env';
import { invokeResult, resourceState } from './mock-aws';
import { loadPulumi, type PulumiSdk, type WireStruct } from './pulumi-sdk';
import { startSstServer } from './sst-server';

/*
 * Runs inside the program's process, bundled with sst.config.ts (build-program.ts), and does what
 * `sst deploy` does around the program, without AWS: sets the `$app`, `$cli` and `$dev` globals from
 * the config's `app()` for the stage, answers SST's RPC calls, and runs the program in a Pulumi stack
 * whose engine is Pulumi's mock monitor, recording every registration as the engine receives it.
 */

/** What `sst.config.ts` exports. */
export interface SstConfig {
  app(input: { stage: string }): {
    name: string;
    home: string;
    removal?: string;
    providers?: Record<string, unknown>;
  };
  run(): Promise<unknown>;
}

/** `platform/src/auto/run.ts`: SST's stack transformations (removal, tags) around the program. */
export type SstRun = (program: () => Promise<unknown>) => Promise<unknown>;

/** `$app` as `sst deploy` computes it from `app()`: providers as objects, removal `retain` unless set. */
function appGlobal(config: SstConfig, stage: string) {
  const app = config.app({ stage });
  const providers = Object.fromEntries(
    Object.entries(app.providers ?? {}).map(([name, args]) => [
      name,
      typeof args === 'string' ? { version: args } : args === true ? {} : args,
    ]),
  );
  if (app.home !== 'local' && !(app.home in providers)) providers[app.home] = {};
  return { ...app, stage, providers, removal: app.removal ?? 'retain', protect: false };
}

/** A wire value as JSON: secrets by value, resource references by URN, archives by path. */
function plain(value: unknown, wire: PulumiSdk['runtime']): unknown {
  if (value === wire.unknownValue) return '<unknown>';
  if (Array.isArray(value)) return value.map((v) => plain(v, wire));
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  switch (object[wire.specialSigKey]) {
    case wire.specialSecretSig:
    case wire.specialOutputValueSig:
      return 'value' in object ? plain(object.value, wire) : '<unknown>';
    case wire.specialResourceSig:
      return object.urn;
    case wire.specialAssetSig:
      return { asset: object.path ?? object.uri ?? '<text>' };
    case wire.specialArchiveSig:
      return { archive: object.path ?? object.uri ?? plain(object.assets, wire) };
    default:
      return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, plain(v, wire)]));
  }
}

/**
 * Wraps the mock monitor's registerResource to record each registration. A failed one fails the run
 * at once: Pulumi would otherwise wait forever for the resource's outputs.
 */
function recordRegistrations(pulumi: PulumiSdk, resources: DeclaredResource[], fail: (e: unknown) => void) {
  const monitor = pulumi.runtime.getMonitor();
  if (!monitor) throw new Error('no mock monitor after setMocks');
  const register = monitor.registerResource.bind(monitor);
  const props = (struct: WireStruct | undefined) =>
    (struct ? plain(struct.toJavaScript(), pulumi.runtime) : {}) as Record<string, unknown>;
  monitor.registerResource = (request, callback) =>
    register(request, (error, response) => {
      if (error || !response) {
        fail(new Error(`registering ${request.getType()} ${request.getName()}: ${error?.message}`));
      } else {
        resources.push({
          urn: response.getUrn(),
          type: request.getType(),
          name: request.getName(),
          parent: request.getParent(),
          custom: request.getCustom(),
          id: response.getId(),
          inputs: props(request.getObject()),
          state: props(response.getObject()),
          options: {
            ignoreChanges: request.getIgnorechangesList(),
            retainOnDelete: request.getRetainondelete(),
            protect: request.getProtect(),
            deleteBeforeReplace: request.getDeletebeforereplace(),
            dependsOn: request.getDependenciesList(),
          },
        });
      }
      callback(error, response);
    });
}

async function execute(config: SstConfig, run: SstRun, fail: (e: unknown) => void): Promise<ProgramRun> {
  const stage = harnessEnv('stage');
  const work = harnessEnv('work');
  const platform = harnessEnv('platform');
  const app = appGlobal(config, stage);
  Object.assign(globalThis, {
    $app: app,
    $dev: false,
    $cli: {
      command: 'deploy',
      dev: false,
      paths: { home: join(work, 'home'), root: harnessEnv('root'), work, platform },
      state: { version: {} },
    },
  });

  const server = await startSstServer();
  process.env.SST_SERVER = server.url;
  const pulumi = loadPulumi(platform);
  await pulumi.runtime.setMocks(
    {
      // A component only groups others: nothing in AWS, no id.
      newResource: ({ type, name, inputs, custom }) =>
        custom === false ? { id: '', state: inputs } : resourceState(type, name, inputs),
      call: ({ token, inputs }) => {
        try {
          return invokeResult(token, inputs);
        } catch (error) {
          // Pulumi keeps only the gRPC `details` of a failed look-up: an empty message.
          fail(error);
          throw error;
        }
      },
    },
    app.name,
    stage,
    false,
  );
  const resources: DeclaredResource[] = [];
  recordRegistrations(pulumi, resources, fail);
  try {
    const outputs = await pulumi.runtime.runInPulumiStack(() => run(config.run));
    await pulumi.runtime.waitForRPCs();
    if (pulumi.log.hasErrors()) throw new Error('the program logged errors (above)');
    return {
      config: harnessEnv('config'),
      stage,
      resources,
      builds: server.builds,
      outputs: (outputs ?? {}) as Record<string, unknown>,
    };
  } finally {
    await server.close();
  }
}

const message = (error: unknown) => (error instanceof Error ? (error.stack ?? error.message) : String(error));

/**
 * Executes the program once for the config and stage in the environment. Fails on the first failed
 * registration or look-up, and on a rejection no one handles (an apply that throws), as a deploy does.
 */
export async function executeProgram(config: SstConfig, run: SstRun): Promise<ProgramOutcome> {
  let fail: (error: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  process.on('unhandledRejection', fail);
  process.on('uncaughtException', fail);
  try {
    return { ok: true, run: await Promise.race([execute(config, run, fail), failed]) };
  } catch (error) {
    return { ok: false, error: message(error) };
  } finally {
    process.off('unhandledRejection', fail);
    process.off('uncaughtException', fail);
  }
}
