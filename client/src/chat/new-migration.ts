// "Save as new migration" names files with the engine's own convention detection (shared with the
// advisor's fixes), using the clock for timestamped conventions.
export { nextMigrationName, slug, type MigrationName } from '../../../server/src/engine/migration-name';
