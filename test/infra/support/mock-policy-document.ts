/*
 * `aws.iam.getPolicyDocument` renders statements into IAM JSON in the provider, not in the program,
 * so under mocks it needs an answer: this renders the way the provider does (a single value stays a
 * string, principals and conditions become maps), so the checks read SST's policies as AWS would.
 */

interface StatementInput {
  sid?: string;
  effect?: string;
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  notPrincipals?: { type: string; identifiers: string[] }[];
  conditions?: { test: string; variable: string; values: string[] }[];
}

const one = (values: string[]): string | string[] => (values.length === 1 ? (values[0] ?? '') : values);

function principals(list: { type: string; identifiers: string[] }[]): unknown {
  if (list.length === 1 && list[0]?.type === '*') return '*';
  return Object.fromEntries(list.map((p) => [p.type, one(p.identifiers)]));
}

function conditions(list: { test: string; variable: string; values: string[] }[]): unknown {
  const byTest: Record<string, Record<string, string | string[]>> = {};
  for (const c of list) byTest[c.test] = { ...byTest[c.test], [c.variable]: one(c.values) };
  return byTest;
}

/** The provider's answer to getPolicyDocument: the document as `json` and `minifiedJson`. */
export function policyDocument(inputs: Record<string, unknown>): Record<string, unknown> {
  const statements = (inputs.statements ?? []) as StatementInput[];
  const document = {
    Version: typeof inputs.version === 'string' ? inputs.version : '2012-10-17',
    Statement: statements.map((s) => ({
      ...(s.sid ? { Sid: s.sid } : {}),
      Effect: s.effect ?? 'Allow',
      ...(s.actions ? { Action: one(s.actions) } : {}),
      ...(s.notActions ? { NotAction: one(s.notActions) } : {}),
      ...(s.resources ? { Resource: one(s.resources) } : {}),
      ...(s.notResources ? { NotResource: one(s.notResources) } : {}),
      ...(s.principals ? { Principal: principals(s.principals) } : {}),
      ...(s.notPrincipals ? { NotPrincipal: principals(s.notPrincipals) } : {}),
      ...(s.conditions ? { Condition: conditions(s.conditions) } : {}),
    })),
  };
  const json = JSON.stringify(document, null, 2);
  return { id: String(json.length), json, minifiedJson: JSON.stringify(document) };
}
