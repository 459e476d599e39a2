/**
 * At most `limit` holders at a time (batches being looked up and matched, whose records are whole objects until
 * they are written). `enter` waits for a free place and returns the function that frees it; calling that twice
 * frees it once.
 */
export class Slots {
  private used = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async enter(): Promise<() => void> {
    while (this.used >= this.limit) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.used++;
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      this.used--;
      this.waiters.shift()?.();
    };
  }
}
