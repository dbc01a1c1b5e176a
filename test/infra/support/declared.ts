/*
 * What one execution of the SST program declared, as the Pulumi engine would have received it: every
 * resource registration with its inputs and options, and the function builds SST asked
 * its command line for. Plain JSON, written by the harness in the program's process and read by tests.
 */

/** The resource options a deploy acts on, from the registration request. */
export interface DeclaredOptions {
  ignoreChanges: string[];
  retainOnDelete: boolean;
  protect: boolean;
  deleteBeforeReplace: boolean;
  /** URNs of the resources this one was told to wait for. */
  dependsOn: string[];
}

/** One registered resource. Secrets are shown by value, references to resources by URN. */
export interface DeclaredResource {
  urn: string;
  type: string;
  /** The logical name (the resource id in the program), unique per type and parent. */
  name: string;
  /** The parent's URN; empty for the stack itself. */
  parent: string;
  /** A provider's resource (true), or a component that only groups others (false). */
  custom: boolean;
  /** The id the mocks gave it ('' for a component). */
  id: string;
  inputs: Record<string, unknown>;
  /** The outputs the mocks answered with: the inputs plus the ids, ARNs and names AWS would assign. */
  state: Record<string, unknown>;
  options: DeclaredOptions;
}

/** One `Runtime.Build` request from `sst.aws.Function`. */
export interface FunctionBuild {
  functionID: string;
  handler: string;
  /** The prebuilt bundle directory (`bundle`), deployed as it is. */
  bundle: string;
}

/** One execution of `sst.config.ts` for a config and a stage. */
export interface ProgramRun {
  config: string;
  stage: string;
  resources: DeclaredResource[];
  builds: FunctionBuild[];
  /** What `run()` returned: the stack outputs `sst deploy` prints. */
  outputs: Record<string, unknown>;
}

/** How an execution ended: its record, or why it failed. */
export type ProgramOutcome = { ok: true; run: ProgramRun } | { ok: false; error: string };
