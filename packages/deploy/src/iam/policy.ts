/** An IAM policy document, as AWS takes it. */
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** A policy of the given statements; statements without resources are dropped. */
export function policy(statements: readonly (PolicyStatement | undefined)[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: statements.filter((s): s is PolicyStatement => s !== undefined && s.Resource.length > 0),
  };
}

/** A trust policy letting an AWS service assume the role. */
export function trustPolicy(service: string): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  };
}

export function unique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
