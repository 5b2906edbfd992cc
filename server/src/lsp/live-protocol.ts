// The dbEngineer/setDatabasePassword notification (client to server): the live database's password
// from the editor's SecretStorage, held in the server's memory only. No imports, so the client
// bundles only these lines.

export const DB_PASSWORD_NOTIFICATION = 'dbEngineer/setDatabasePassword';

/** null: forget the password (PGPASSWORD or ~/.pgpass are then used). */
export interface DbPasswordParams { password: string | null }
