// Decentralised NATS auth for tests/outside/test_creds.py, made with the official @nats-io/jwt and
// @nats-io/nkeys packages (what `nsc` does): an operator, a system account, one account and one
// user whose permissions come from PERMISSIONS (JSON {pub:{allow,deny}, sub:{allow}}).
// Writes <dir>/server.conf (operator mode, memory resolver) and <dir>/user.creds.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeAccount, encodeOperator, encodeUser, fmtCreds } from "@nats-io/jwt";
import { createAccount, createOperator, createUser } from "@nats-io/nkeys";

const dir = process.argv[2];
const permissions = JSON.parse(process.env.PERMISSIONS ?? "{}");
const operator = createOperator();
const system = createAccount();
const account = createAccount();
const user = createUser();

const operatorJwt = await encodeOperator("brandlens-test", operator, { system_account: system.getPublicKey() });
// Accounts default to zero connections: -1 is "no limit" for each.
const unlimited = {
  limits: { conn: -1, subs: -1, data: -1, payload: -1, leaf: -1, imports: -1, exports: -1, wildcards: true },
};
const systemJwt = await encodeAccount("SYS", system, unlimited, { signer: operator });
const accountJwt = await encodeAccount("BRANDLENS", account, unlimited, { signer: operator });
const userJwt = await encodeUser("client", user, account, permissions);

writeFileSync(join(dir, "user.creds"), fmtCreds(userJwt, user), { mode: 0o600 });
writeFileSync(join(dir, "server.conf"), [
  `operator: "${operatorJwt}"`,
  `system_account: ${system.getPublicKey()}`,
  "resolver: MEMORY",
  "resolver_preload: {",
  `  ${system.getPublicKey()}: "${systemJwt}"`,
  `  ${account.getPublicKey()}: "${accountJwt}"`,
  "}",
].join("\n") + "\n");
console.log(JSON.stringify({ account: account.getPublicKey(), user: user.getPublicKey() }));
