// Stub: the MySQL grammar's verdict on a statement (see the syntax branch). null: no error known.
export interface MySqlSyntaxError { message: string; offset: number; length?: number }
export function mySqlSyntax(_text: string, _flavor: 'mysql' | 'mariadb'): MySqlSyntaxError | null | undefined { return null; }
export function setMySqlSyntaxMode(_mode: 'sync' | 'background'): void {}
export function onMySqlVerdicts(_cb: () => void): () => void { return () => {}; }
