import type { Change, Cluster } from "./cluster.ts"
import { namespaceOf, nameOf } from "./cluster.ts"
import { arr, obj, str, type Obj } from "./json.ts"
import { apiVersionOf, RESOURCES, type ResourceType } from "./resources.ts"

/** What a controller gets: the cluster, the clock, and a way to be woken later (timed pauses). */
export interface ControllerContext {
  readonly cluster: Cluster
  readonly pauseScale: number
  readonly wakeAt: (resource: ResourceType, namespace: string | undefined, name: string, atMs: number) => void
}

/** A controller: reconcile one object (its latest stored state); every change it makes is a normal write. */
export type Reconcile = (context: ControllerContext, object: Obj) => void

interface Timer {
  readonly due: number
  readonly handle: ReturnType<typeof setTimeout>
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Runs controllers the way kube-controller-manager and the Argo Rollouts
 * controller are driven: a write to an object (or to an object it owns)
 * queues a reconcile after `delayMs`; a reconcile that wants to look again
 * later (a timed pause) sets a wake-up.
 */
export class Scheduler {
  private readonly pending = new Map<string, Timer>()
  private readonly wakeups = new Map<string, Timer>()
  private readonly failures: Array<unknown> = []
  private readonly unsubscribe: () => void
  private closed = false
  private readonly context: ControllerContext

  constructor(
    private readonly cluster: Cluster,
    private readonly delayMs: number,
    pauseScale: number,
    private readonly controllers: ReadonlyMap<ResourceType, Reconcile>,
    /** kinds whose changes also wake the controllers of other kinds in the namespace (Services → Rollouts) */
    private readonly watchers: ReadonlyMap<ResourceType, ReadonlyArray<ResourceType>>
  ) {
    this.context = { cluster, pauseScale, wakeAt: (r, ns, name, at) => this.wakeAt(r, ns, name, at) }
    this.unsubscribe = cluster.subscribe((change) => this.onChange(change))
  }

  private static key(resource: ResourceType, namespace: string | undefined, name: string): string {
    return `${apiVersionOf(resource)}/${resource.plural}/${namespace ?? ""}/${name}`
  }

  private onChange(change: Change): void {
    if (this.closed) return
    const ns = namespaceOf(change.object)
    if (change.type !== "DELETED" && this.controllers.has(change.resource)) this.enqueue(change.resource, ns, nameOf(change.object))
    for (const ref of arr(obj(change.object["metadata"])["ownerReferences"]).map(obj)) {
      if (ref["controller"] !== true) continue
      const owner = RESOURCES.find((r) => apiVersionOf(r) === ref["apiVersion"] && r.kind === ref["kind"])
      if (owner !== undefined && this.controllers.has(owner)) this.enqueue(owner, ns, str(ref["name"]) ?? "")
    }
    for (const dependent of this.watchers.get(change.resource) ?? []) {
      for (const o of this.cluster.list({ resource: dependent, namespace: ns, labels: [], fields: [] })) this.enqueue(dependent, ns, nameOf(o))
    }
  }

  enqueue(resource: ResourceType, namespace: string | undefined, name: string, delay = this.delayMs): void {
    const key = Scheduler.key(resource, namespace, name)
    if (this.closed || this.pending.has(key)) return
    const handle = setTimeout(() => {
      this.pending.delete(key)
      this.run(resource, namespace, name)
    }, delay)
    this.pending.set(key, { due: Date.now() + delay, handle })
  }

  private wakeAt(resource: ResourceType, namespace: string | undefined, name: string, atMs: number): void {
    const key = Scheduler.key(resource, namespace, name)
    const existing = this.wakeups.get(key)
    if (this.closed || (existing !== undefined && existing.due <= atMs)) return
    if (existing !== undefined) clearTimeout(existing.handle)
    const handle = setTimeout(() => {
      this.wakeups.delete(key)
      this.enqueue(resource, namespace, name, 0)
    }, Math.max(0, atMs - Date.now()))
    this.wakeups.set(key, { due: atMs, handle })
  }

  private run(resource: ResourceType, namespace: string | undefined, name: string): void {
    if (this.closed) return
    const reconcile = this.controllers.get(resource)
    const object = this.cluster.get(resource, namespace, name)
    if (reconcile === undefined || object === undefined) return
    try {
      reconcile(this.context, object)
    } catch (error) {
      this.failures.push(error)
    }
  }

  /** No reconcile queued and no wake-up due within `horizonMs`. */
  idle(horizonMs = 1000): boolean {
    const horizon = Date.now() + horizonMs
    return this.pending.size === 0 && [...this.wakeups.values()].every((w) => w.due > horizon)
  }

  /** Wait until idle; rethrow the first error a controller threw (a bug in the fake, not in the caller). */
  async settle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!this.idle()) {
      if (Date.now() > deadline) {
        throw new Error(`controllers did not settle within ${timeoutMs} ms: ${[...this.pending.keys(), ...this.wakeups.keys()].join(", ")}`)
      }
      await sleep(Math.max(1, Math.min(this.delayMs, 5)))
    }
    const failure = this.failures.shift()
    if (failure !== undefined) throw failure
  }

  close(): void {
    this.closed = true
    this.unsubscribe()
    for (const t of [...this.pending.values(), ...this.wakeups.values()]) clearTimeout(t.handle)
    this.pending.clear()
    this.wakeups.clear()
  }
}
