/**
 * Builds DynamoDB expressions with every attribute name and value behind a placeholder, so reserved
 * words (`state`, `attempt`...) and odd characters never break an expression.
 */
export class ExpressionBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private nameIds = new Map<string, string>();
  private valueCount = 0;

  /** A placeholder for one attribute name (or map key), taken literally. */
  name(name: string): string {
    let id = this.nameIds.get(name);
    if (!id) {
      id = `#n${this.nameIds.size}`;
      this.nameIds.set(name, id);
      this.names[id] = name;
    }
    return id;
  }

  value(value: unknown): string {
    const id = `:v${this.valueCount++}`;
    this.values[id] = value;
    return id;
  }

  /** Names and values for the command, omitted when empty (DynamoDB rejects empty maps). */
  attributes(): {
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  } {
    return {
      ...(Object.keys(this.names).length > 0 ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}
