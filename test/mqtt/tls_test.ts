/**
 * `mqtts://` with the TLS settings of `ferry.mqtt`: a real mosquitto serving
 * TLS with a certificate from a test CA and requiring client certificates;
 * ferry trusts the CA from `ca-file` and shows its own `cert-file` and
 * `key-file`. A node without the CA is refused.
 */

import { assert, assertEquals } from "../assert.ts";
import { ferry } from "../helpers.ts";
import { makePki } from "./_pki.ts";
import { packetsIn, rxDir, startMqtt, txDir, withMqttWorld } from "./_world.ts";

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
