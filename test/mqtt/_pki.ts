/**
 * A throwaway PKI for TLS tests: a CA, a server certificate for 127.0.0.1
 * and a client certificate (for brokers that require one), made with
 * `openssl` under a folder of the test's.
 * @module
 */

import { runOk } from "../helpers.ts";

/** Makes `ca.pem`, `server.pem`/`server.key` and `client.pem`/`client.key` under `dir`. */
export async function makePki(dir: string): Promise<void> {
  const ssl = (args: string[]) => runOk("openssl", args, { cwd: dir });
  await ssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=ferry test CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
  ]);
  for (
    const [name, ext] of [
      ["server", "subjectAltName=IP:127.0.0.1"],
      ["client", "extendedKeyUsage=clientAuth"],
    ]
  ) {
    await ssl([
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      `/CN=${name}`,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
    ]);
    await Deno.writeTextFile(`${dir}/${name}.ext`, ext + "\n");
    await ssl([
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.pem`,
    ]);
  }
}
