// Entry point of dist/mysql2.js: mysql2's promise API, bundled on its own (see driver.ts).
export * from 'mysql2/promise';
