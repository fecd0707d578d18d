/**
 * The one place that dispatches on `kind`: every learner keyed by the kind
 * it reads and fits. A new kind is a new module here plus its schema in
 * `schema.ts`.
 */
import { gbdt } from "./gbdt.ts"
import type { Learner } from "./learner.ts"
import { logistic } from "./logistic.ts"
import type { Kind, Model } from "./schema.ts"

/** Every learner, keyed by kind (in the order error messages list them). */
export const learners: { readonly [K in Kind]: Learner<Extract<Model, { readonly kind: K }>> } = { logistic, gbdt }

/** The kinds, in the order of {@link learners}. */
export const kinds: ReadonlyArray<Kind> = Object.keys(learners) as Array<Kind>

/** Whether `kind` names a learner (for untrusted input: options, files). */
export const isKind = (kind: unknown): kind is Kind => typeof kind === "string" && Object.hasOwn(learners, kind)

/**
 * The learner of `kind`, typed for any model. Sound because a model's
 * `kind` always names its own learner, which TypeScript cannot correlate
 * through the record on its own.
 */
export const learnerFor = <M extends Model>(kind: M["kind"]): Learner<M> => learners[kind] as unknown as Learner<M>

/** The learner of a decoded or trained model. */
export const learnerOf = <M extends Model>(model: M): Learner<M> => learnerFor<M>(model.kind)
