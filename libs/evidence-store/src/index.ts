/**
 * The embedded default EvidenceStore: an append-only SQLite file under
 * .rollwise/, schema-migrated, WAL, safe with concurrent writers, with the
 * history query training needs.
 *
 * @since 0.1.0
 */
export * as SqliteEvidenceStore from "./SqliteEvidenceStore.ts"
export * as EvidenceHistory from "./EvidenceHistory.ts"
