/** The environment of the program's process (run-program.ts sets it, the driver per case), read inside. */
export const HARNESS_ENV = {
  /** The config variant's name, which the bundled config module selects by. */
  config: 'STEVEDORE_INFRA_CONFIG',
  stage: 'STEVEDORE_INFRA_STAGE',
  root: 'STEVEDORE_INFRA_ROOT',
  platform: 'STEVEDORE_INFRA_PLATFORM',
  /** SST's working directory for this execution (`$cli.paths.work`: function zips): a temporary one. */
  work: 'STEVEDORE_INFRA_WORK',
  /** JSON: handler name to prebuilt bundle directory. */
  bundles: 'STEVEDORE_INFRA_BUNDLES',
} as const;

/** An environment variable the runner must have set. */
export function harnessEnv(key: keyof typeof HARNESS_ENV): string {
  const value = process.env[HARNESS_ENV[key]];
  if (!value) throw new Error(`${HARNESS_ENV[key]} is not set: the program runs under run-program.ts`);
  return value;
}
