import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { HandlerInvoker } from '@stevedore/core/ports';
import { StevedoreAwsError } from './errors';

/** A redriven event's handler failed again (its function's error, as Lambda reports it). */
export class HandlerFailedError extends StevedoreAwsError {
  override name = 'HandlerFailedError';
}

export interface LambdaInvokerOptions {
  /** The function of a handler (the stage's `<app>-<stage>-<handler>`). */
  functionName: (handler: string) => string;
  /** Created from the environment when omitted. */
  client?: LambdaClient;
}

/**
 * Invokes a stage's handler function synchronously with an event, so a redrive learns at once whether
 * it was delivered: Lambda's own error (`FunctionError`, with the handler's errorType and errorMessage)
 * becomes the thrown error.
 */
export class LambdaInvoker implements HandlerInvoker {
  private readonly client: LambdaClient;

  constructor(private readonly options: LambdaInvokerOptions) {
    this.client = options.client ?? new LambdaClient({});
  }

  async invoke(handler: string, event: unknown): Promise<void> {
    const result = await this.client.send(
      new InvokeCommand({
        FunctionName: this.options.functionName(handler),
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify(event)),
      }),
    );
    if (!result.FunctionError) return;
    const payload = Buffer.from(result.Payload ?? []).toString();
    let reason = payload;
    try {
      const parsed = JSON.parse(payload) as { errorType?: string; errorMessage?: string };
      reason = [parsed.errorType, parsed.errorMessage].filter(Boolean).join(': ') || payload;
    } catch {
      // Not JSON: the payload as it is.
    }
    throw new HandlerFailedError(reason || result.FunctionError);
  }
}
