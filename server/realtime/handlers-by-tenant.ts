/** Handlers kept per tenant, so an event is offered only to those of its own tenant. */
export class HandlersByTenant<Handler> {
  private readonly byTenant = new Map<string, Set<Handler>>();
  private total = 0;

  add(tenantId: string, handler: Handler): () => void {
    let handlers = this.byTenant.get(tenantId);
    if (!handlers) this.byTenant.set(tenantId, (handlers = new Set()));
    handlers.add(handler);
    this.total += 1;
    return () => {
      if (handlers.delete(handler)) this.total -= 1;
      if (handlers.size === 0 && this.byTenant.get(tenantId) === handlers) this.byTenant.delete(tenantId);
    };
  }

  /** A copy: handlers may unsubscribe while being called. */
  of(tenantId: string): Handler[] {
    return [...(this.byTenant.get(tenantId) ?? [])];
  }

  get size(): number {
    return this.total;
  }

  clear(): void {
    this.byTenant.clear();
    this.total = 0;
  }
}
