import type { Clock, SlotStore } from '@stevedore/core/ports';
import { ExpressionBuilder } from './expression';
import type { LedgerTable } from './ledger-table';
import { KEY, keys, TTL_ATTRIBUTE } from './table';

/*
 * Concurrency slots, one item per source (`PIPE#<source>` / `SLOTS`) holding a map of holders, and
 * leases, one item each (`LEASE#<name>` / `LEASE`). Both are taken and given back with conditional
 * writes, never a read first: a refused condition is the answer (full, not held, someone else's).
 */
export class DynamoSlotStore implements SlotStore {
  constructor(
    private readonly table: LedgerTable,
    private readonly clock: Clock,
  ) {}

  async acquireSlot(source: string, holder: string, cap: number): Promise<boolean> {
    const take = () => {
      const x = new ExpressionBuilder();
      const holders = x.name('holders');
      const path = `${holders}.${x.name(holder)}`;
      return this.table.update('acquireSlot', source, {
        Key: keys.slots(source),
        UpdateExpression: `SET ${path} = ${x.value(this.clock.now().toISOString())}`,
        ConditionExpression: `attribute_exists(${path}) OR size(${holders}) < ${x.value(cap)}`,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        ...x.attributes(),
      });
    };
    const first = await take();
    if (!first.refused) return true;
    if (first.old) return false; // every slot is taken
    // The slots item does not exist yet: create it empty (once, whoever wins), then try again.
    await this.table.put('acquireSlot', source, {
      Item: { ...keys.slots(source), holders: {} },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': KEY.pk },
    });
    return !(await take()).refused;
  }

  async releaseSlot(source: string, holder: string): Promise<void> {
    const x = new ExpressionBuilder();
    const holders = x.name('holders');
    // Refused when there is no slots item: nothing was held.
    await this.table.update('releaseSlot', source, {
      Key: keys.slots(source),
      UpdateExpression: `REMOVE ${holders}.${x.name(holder)}`,
      ConditionExpression: `attribute_exists(${holders})`,
      ...x.attributes(),
    });
  }

  async slotHolders(source: string): Promise<Record<string, string>> {
    const item = await this.table.get('slotHolders', source, {
      Key: keys.slots(source),
      ConsistentRead: true,
    });
    return (item?.holders as Record<string, string> | undefined) ?? {};
  }

  async acquireLease(name: string, holder: string, until: Date): Promise<boolean> {
    const now = this.clock.now();
    const update = await this.table.update('acquireLease', name, {
      Key: keys.lease(name),
      UpdateExpression: 'SET #holder = :holder, #until = :until, #ttl = :ttl',
      ConditionExpression: 'attribute_not_exists(#holder) OR #until < :now OR #holder = :holder',
      ExpressionAttributeNames: { '#holder': 'holder', '#until': 'leaseUntil', '#ttl': TTL_ATTRIBUTE },
      ExpressionAttributeValues: {
        ':holder': holder,
        ':until': until.toISOString(),
        ':now': now.toISOString(),
        ':ttl': Math.floor(until.getTime() / 1000) + 86400,
      },
    });
    return !update.refused;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    // Refused when the lease expired and was taken over, or was never held: nothing to give back.
    await this.table.update('releaseLease', name, {
      Key: keys.lease(name),
      UpdateExpression: 'REMOVE #holder, #until',
      ConditionExpression: '#holder = :holder',
      ExpressionAttributeNames: { '#holder': 'holder', '#until': 'leaseUntil' },
      ExpressionAttributeValues: { ':holder': holder },
    });
  }
}
