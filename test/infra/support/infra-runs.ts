import { join } from 'node:path';
import { type Config, parseConfig } from '@stevedore/core/config';
import { type DeployPlan, deployPlan } from '@stevedore/deploy';
import { inject } from 'vitest';
import { caseName, INFRA_CONFIGS, type InfraCase } from '../cases';
import type { CheckContext } from '../checks';
import type { ProgramRun } from './declared';
import { MOCK_SCOPE } from './mock-aws';
import { ROOT } from './platform';

/** A case's execution; throws its error when the program failed. */
export function programRun(c: InfraCase): ProgramRun {
  const outcome = inject('infraOutcomes')[caseName(c)];
  if (!outcome) throw new Error(`no execution of ${caseName(c)}`);
  if (!outcome.ok) throw new Error(`sst.config.ts failed for ${caseName(c)}:\n${outcome.error}`);
  return outcome.run;
}

/** A case's config, parsed as the program parses it. */
export async function caseConfig(c: InfraCase): Promise<Config> {
  const module = (await import(join(ROOT, INFRA_CONFIGS[c.config]))) as { default: unknown };
  return parseConfig(module.default);
}

/** The deploy plan the program declares from, for the mocks' account and region. */
export async function casePlan(c: InfraCase): Promise<DeployPlan> {
  return deployPlan(await caseConfig(c), c.stage, MOCK_SCOPE);
}

/** What the checks read for a case. */
export async function checkContext(c: InfraCase): Promise<CheckContext> {
  const config = await caseConfig(c);
  return {
    run: programRun(c),
    plan: deployPlan(config, c.stage, MOCK_SCOPE),
    configured: Object.values(config.tasks).flatMap((t) => t.permissions.flatMap((p) => p.resources)),
    bundles: inject('infraBundles'),
  };
}
