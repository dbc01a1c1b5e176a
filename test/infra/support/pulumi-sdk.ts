import { createRequire } from 'node:module';
import { join } from 'node:path';

/*
 * The parts of `@pulumi/pulumi` the harness uses, typed here: the package lives in SST's platform
 * (`.sst/platform/node_modules`), which a fresh clone type-checks without. Loaded with `require`
 * from the platform, it is the very instance the program's own `import "@pulumi/pulumi"` gets.
 */

/** A protobuf Struct, as the monitor receives resource properties. */
export interface WireStruct {
  toJavaScript(): Record<string, unknown>;
}

/** The registration request the engine receives (a subset of Pulumi's RegisterResourceRequest). */
export interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): WireStruct | undefined;
  getIgnorechangesList(): string[];
  getRetainondelete(): boolean;
  getProtect(): boolean;
  getDeletebeforereplace(): boolean;
  getDependenciesList(): string[];
}

export interface RegisterResourceResponse {
  getUrn(): string;
  getId(): string;
  getObject(): WireStruct | undefined;
}

export type MonitorCallback<T> = (error: Error | null, response?: T) => void;

export interface ResourceMonitor {
  registerResource(
    request: RegisterResourceRequest,
    callback: MonitorCallback<RegisterResourceResponse>,
  ): void;
}

export interface MockResourceArgs {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  custom?: boolean;
}

export interface Mocks {
  newResource(args: MockResourceArgs): { id: string; state: Record<string, unknown> };
  call(args: { token: string; inputs: Record<string, unknown> }): Record<string, unknown>;
}

export interface PulumiSdk {
  runtime: {
    setMocks(mocks: Mocks, project?: string, stack?: string, preview?: boolean): Promise<void>;
    getMonitor(): ResourceMonitor | undefined;
    runInPulumiStack(init: () => Promise<unknown>): Promise<unknown>;
    waitForRPCs(): Promise<void>;
    /** Wire signatures of secrets, resource references, assets and archives, and the unknown value. */
    specialSigKey: string;
    specialSecretSig: string;
    specialResourceSig: string;
    specialAssetSig: string;
    specialArchiveSig: string;
    specialOutputValueSig: string;
    unknownValue: string;
  };
  log: { hasErrors(): boolean };
}

/** `@pulumi/pulumi` from the platform directory. */
export function loadPulumi(platformDir: string): PulumiSdk {
  return createRequire(join(platformDir, 'package.json'))('@pulumi/pulumi') as PulumiSdk;
}
