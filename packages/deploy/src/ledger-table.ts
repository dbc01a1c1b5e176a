import { ledgerTableDefinition, TTL_ATTRIBUTE } from '@stevedore/aws/ledger';

/** The ledger table as infra declares it: the very definition the local runtime and tests create. */
export function ledgerTableArgs(name: string) {
  const definition = ledgerTableDefinition(name);
  return {
    name,
    billingMode: 'PAY_PER_REQUEST' as const,
    hashKey: definition.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName ?? 'pk',
    rangeKey: definition.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName ?? 'sk',
    attributes: (definition.AttributeDefinitions ?? []).map((a) => ({
      name: a.AttributeName ?? '',
      type: a.AttributeType ?? 'S',
    })),
    globalSecondaryIndexes: (definition.GlobalSecondaryIndexes ?? []).map((index) => ({
      name: index.IndexName ?? '',
      hashKey: index.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName ?? '',
      rangeKey: index.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName ?? '',
      projectionType: index.Projection?.ProjectionType ?? 'KEYS_ONLY',
    })),
    ttl: { attributeName: TTL_ATTRIBUTE, enabled: true },
    streamEnabled: definition.StreamSpecification?.StreamEnabled ?? false,
    ...(definition.StreamSpecification?.StreamViewType
      ? { streamViewType: definition.StreamSpecification.StreamViewType }
      : {}),
    pointInTimeRecovery: { enabled: true },
    deletionProtectionEnabled: false,
  };
}
