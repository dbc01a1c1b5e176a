/*
 * The configs the infra tier executes `sst.config.ts` for, each in every stage. One config per branch
 * of infra/: a new branch (secrets, notifications, ...) is one line here and one file in configs/.
 */

/** Config variant name to its file, relative to the repository root. */
export const INFRA_CONFIGS = {
  example: 'stevedore.config.ts',
  'existing-vpc': 'test/infra/configs/existing-vpc.ts',
  'spot-workers': 'test/infra/configs/spot-workers.ts',
  'time-zones': 'test/infra/configs/time-zones.ts',
  secrets: 'test/infra/configs/secrets.ts',
  notifications: 'test/infra/configs/notifications.ts',
} as const;

/** `dev` removes everything with the stage; `production` retains the data (sst.config.ts). */
export const INFRA_STAGES = ['dev', 'production'] as const;

export type InfraConfigName = keyof typeof INFRA_CONFIGS;
export type InfraStage = (typeof INFRA_STAGES)[number];

export interface InfraCase {
  config: InfraConfigName;
  stage: InfraStage;
}

/** Every config in every stage. */
export const INFRA_CASES: InfraCase[] = Object.keys(INFRA_CONFIGS).flatMap((config) =>
  INFRA_STAGES.map((stage) => ({ config: config as InfraConfigName, stage })),
);

/** A case's name: `example/dev`. */
export const caseName = ({ config, stage }: InfraCase): string => `${config}/${stage}`;
