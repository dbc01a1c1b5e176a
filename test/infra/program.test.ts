import { beforeAll, describe, expect, it } from 'vitest';
import { caseName, INFRA_CASES } from './cases';
import { CHECKS, type CheckContext, type CheckName } from './checks';
import { checkContext } from './support/infra-runs';

/*
 * sst.config.ts, executed for every config and stage under Pulumi's mocks: each check holds for what
 * the program declared (see checks/ for what each one means).
 */

describe.each(INFRA_CASES.map((c) => ({ ...c, name: caseName(c) })))('sst.config.ts for $name', (c) => {
  let context: CheckContext;
  beforeAll(async () => {
    context = await checkContext(c);
  });

  it.each(Object.keys(CHECKS) as CheckName[])('%s', (name) => {
    expect(CHECKS[name](context)).toEqual([]);
  });
});
