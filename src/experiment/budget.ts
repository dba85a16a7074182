/**
 * Budget caps of a run (USD and tokens). Fed live from the proxy's spend lines, so a cap
 * stops scheduling as soon as it is reached rather than when the next cell finishes.
 */
export interface BudgetLimits {
  usd?: number;
  tokens?: number;
}

export class Budget {
  usd = 0;
  tokens = 0;

  constructor(readonly limits: BudgetLimits) {}

  add(usd: number, tokens: number): void {
    this.usd += usd;
    this.tokens += tokens;
  }

  /** Which cap is reached, if any. */
  exhausted(): 'usd' | 'tokens' | undefined {
    if (this.limits.usd !== undefined && this.usd >= this.limits.usd) return 'usd';
    if (this.limits.tokens !== undefined && this.tokens >= this.limits.tokens) return 'tokens';
    return undefined;
  }
}
