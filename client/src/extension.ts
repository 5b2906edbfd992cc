// placeholder: replaced by the client implementation
export function activate(): void {}
export function deactivate(): void {}
