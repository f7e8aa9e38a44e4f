import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbRepeatLedger } from '../../functions/adapters/dynamodb-repeat-ledger.js';
import { isFight, repeatKeyText } from '../../functions/core/repeats.js';
import { motoEndpoint, useMoto } from '../support/moto.js';

/** The DynamoDB repeat ledger over real HTTP against moto's DynamoDB, on a table keyed as the idempotency table. */
const endpoint = motoEndpoint();
const unique = () => `lg-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const key = (actor: string) =>
  repeatKeyText({ account: '123456789012', region: 'us-east-1', resourceId: 'sg-0abc', kind: 'sg-ingress', actorArn: actor });

describe.skipIf(!endpoint)(`DynamoDB repeat ledger against moto (${endpoint ?? 'unavailable'})`, () => {
  useMoto();
  let client: DynamoDBClient;
  let table: string;

  beforeAll(async () => {
    client = new DynamoDBClient({});
    table = unique();
    // The idempotency table's key schema (infra/constructs/idempotency.ts): a string partition key `id`.
    await client.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  });

  it('appends each revert, reads back those in the window, and keys actors apart', async () => {
    const ledger = new DynamoDbRepeatLedger(client, table);
    const start = Date.parse('2026-03-01T12:00:00Z');
    const at = (minutes: number) => new Date(start + minutes * 60_000);
    const pipeline = key('arn:aws:iam::123456789012:role/terraform-apply');
    for (const m of [0, 10, 20]) await ledger.record(pipeline, at(m), 3600);
    expect(await ledger.since(pipeline, at(0))).toEqual([at(0), at(10), at(20)]);
    expect(await ledger.since(pipeline, at(5))).toEqual([at(10), at(20)]);
    expect(await ledger.since(key('arn:aws:iam::123456789012:user/alice'), at(0))).toEqual([]);
    const policy = { maxRepeats: 3, windowMinutes: 60 };
    expect(isFight(await ledger.since(pipeline, at(30 - 60)), at(30), policy)).toBe(true);
    expect(isFight(await ledger.since(pipeline, at(61 - 60)), at(61), policy)).toBe(false);
  });

  it('sets the table TTL attribute from the last record, in epoch seconds', async () => {
    const ledger = new DynamoDbRepeatLedger(client, table);
    const k = key('arn:aws:iam::123456789012:role/controller');
    const at = new Date('2026-03-01T12:00:00Z');
    await ledger.record(k, at, 3600);
    const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: { id: { S: k } } }));
    expect(Item?.expiration?.N).toBe(String(at.getTime() / 1000 + 3600));
    expect(Item?.times?.L).toHaveLength(1);
  });
});
