/**
 * `mqtts://` with the TLS settings of `ferry.mqtt`: a real mosquitto serving
 * TLS with a certificate from a test CA and requiring client certificates;
 * ferry trusts the CA from `ca-file` and shows its own `cert-file` and
 * `key-file`. A node without the CA is refused.
 */

import { assert, assertEquals } from "../assert.ts";
import { ferry, runOk } from "../helpers.ts";
import { packetsIn, rxDir, startMqtt, txDir, withMqttWorld } from "./_world.ts";

/** Makes a CA, a server certificate for 127.0.0.1 and a client certificate under `dir`. */
async function makePki(dir: string): Promise<void> {
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
    const [name, ext] of [["server", "subjectAltName=IP:127.0.0.1"], [
      "client",
      "extendedKeyUsage=clientAuth",
    ]]
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

const pki = await Deno.makeTempDir({ prefix: "ferry-mqtt-pki-" });
await makePki(pki);

Deno.test({
  name:
    "packets cross a TLS broker that requires client certificates; a node without the CA is refused",
  fn: async () => {
    try {
      await withMqttWorld(async (w) => {
        await ferry(["-c", w.alice.cfg, "file", "-", "bob:tls.txt"], { stdin: "over tls\n" });
        const a = startMqtt(w.alice, ["--node", "bob", "--until-idle", "4"]);
        const b = startMqtt(w.bob, ["--node", "alice", "--until-idle", "4"]);
        assertEquals((await a.finished()).code, 0, await Deno.readTextFile(a.logFile));
        assertEquals((await b.finished()).code, 0, await Deno.readTextFile(b.logFile));
        assertEquals(await packetsIn(txDir(w.alice, "bob")), []);
        assertEquals((await packetsIn(rxDir(w.bob, "alice"))).length, 1);
        // carol has the client certificate but not the CA: she does not trust the broker.
        const cfg = JSON.parse(await Deno.readTextFile(w.carol.cfg));
        delete cfg.ferry.mqtt["ca-file"];
        await Deno.writeTextFile(w.carol.cfg, JSON.stringify(cfg));
        const r = await ferry(["-c", w.carol.cfg, "mqtt", "--until-idle", "1"]);
        assertEquals(r.code, 1, r.stderr);
        assert(/certificate|self.signed|verify/i.test(r.stderr), r.stderr);
      }, {
        broker: {
          tls: { cert: `${pki}/server.pem`, key: `${pki}/server.key`, clientCa: `${pki}/ca.pem` },
        },
        mqtt: () => ({
          "ca-file": `${pki}/ca.pem`,
          "cert-file": `${pki}/client.pem`,
          "key-file": `${pki}/client.key`,
        }),
      });
    } finally {
      await Deno.remove(pki, { recursive: true });
    }
  },
});
