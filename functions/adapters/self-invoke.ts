import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';

/**
 * The runbook function queuing work for itself: an asynchronous invoke (`InvocationType: 'Event'`),
 * which Lambda puts on the function's event queue and answers with status 202; the function then runs
 * it with its asynchronous retries and on-failure destination (Invoke, Lambda API reference:
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html; asynchronous payloads up to 1 MB).
 */

/** Invoke's status for a request queued for asynchronous invocation (API_Invoke, "StatusCode"). */
export const QUEUED_STATUS = 202;

/**
 * The function's own unqualified ARN: the context's `invokedFunctionArn` without a version or alias
 * qualifier ("The Amazon Resource Name (ARN) that's used to invoke the function. Indicates if the
 * invoker specified a version number or alias", https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html),
 * so the queued runs are `$LATEST`, whose asynchronous configuration the stack sets. Without it, the
 * reserved variable `AWS_LAMBDA_FUNCTION_NAME` ("The name of the function",
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
 */
export function ownFunction(context: Pick<Context, 'invokedFunctionArn'> | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const parts = context?.invokedFunctionArn?.split(':') ?? [];
  if (parts.length >= 7 && parts[0] === 'arn' && parts[5] === 'function') return parts.slice(0, 7).join(':');
  const name = env.AWS_LAMBDA_FUNCTION_NAME?.trim();
  if (name) return name;
  throw new Error('the function cannot name itself: no invokedFunctionArn in the context and no AWS_LAMBDA_FUNCTION_NAME');
}

/** Queues `payload` for `functionName`; rejects unless Lambda answered that it was queued. */
export async function invokeAsync(client: LambdaClient, functionName: string, payload: unknown): Promise<void> {
  const answer = await client.send(
    new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: new TextEncoder().encode(JSON.stringify(payload)) }),
  );
  if (answer.StatusCode !== QUEUED_STATUS) throw new Error(`Invoke answered status ${answer.StatusCode}, not ${QUEUED_STATUS} (queued)`);
}
