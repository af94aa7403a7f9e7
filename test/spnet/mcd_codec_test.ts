import { assert, assertEquals, assertThrows } from "../assert.ts";
import { createLogger, memorySink } from "../../src/log/logger.ts";
import { decodeBase32, encodeBase32 } from "../../src/encoding/base32.ts";
import {
  BadAnnouncementError,
  decodeAnnouncement,
  encodeAnnouncement,
  linkLocalIfaces,
  McdAddressBook,
  mcdAddrLifetimeMs,
  mcdAddrsPerNodeMax,
  McdReceiver,
} from "../../src/mcd/mod.ts";
import { IDS } from "../nodes.ts";

// One announcement captured from nncp-daemon 8.8.2 (-mcd-once) for node
// ZWSS3FA3FEV6WRCGU5GH6IGA7YBX2UFUKOOMZM3X3JS3KA3LD23A.
const CAPTURED = "4e4e435044000001cda52d941b292beb4446a74c7f20c0fe037d50b4539cccb377da65b5036b1eb6";
const CAPTURED_ID = "ZWSS3FA3FEV6WRCGU5GH6IGA7YBX2UFUKOOMZM3X3JS3KA3LD23A";

const fromHex = (h: string) => new Uint8Array(h.match(/../g)!.map((b) => parseInt(b, 16)));

Deno.test("mcd codec: NNCP's own announcement decodes, and ours encodes to the same bytes", () => {
  const bytes = fromHex(CAPTURED);
  assertEquals(encodeBase32(decodeAnnouncement(bytes)), CAPTURED_ID);
  assertEquals(encodeAnnouncement(decodeBase32(CAPTURED_ID)), bytes);
});

Deno.test("mcd codec: wrong sizes and magics are refused with what was wrong", () => {
  const good = fromHex(CAPTURED);
  const cases: [Uint8Array, string][] = [
    [new Uint8Array(0), "0 bytes, expected 40"],
    [good.subarray(0, 39), "39 bytes"],
    [new Uint8Array([...good, 0]), "41 bytes"],
    [new Uint8Array(40), "magic 0000000000000000"],
    [
      (() => {
        const b = good.slice();
        b[7] = 2; // a future version
        return b;
      })(),
      "magic 4e4e435044000002",
    ],
  ];
  for (const [bytes, want] of cases) {
    const err = assertThrows(() => decodeAnnouncement(bytes), BadAnnouncementError);
    assert(err.message.includes(want), `${err.message} lacks ${want}`);
  }
  assertThrows(() => encodeAnnouncement(new Uint8Array(31)), RangeError);
});

function receiver(now: { ms: number }) {
  const sink = memorySink();
  const log = createLogger({ sink: sink.write, level: "debug" });
  const peers: Record<string, { name: string; ignored: boolean }> = {
    [IDS.bob]: { name: "bob", ignored: false },
    [IDS.carol]: { name: "carol", ignored: true },
  };
  const r = new McdReceiver(new McdAddressBook(), (id) => peers[id], IDS.alice, log, () => now.ms);
  return { r, lines: sink.lines };
}

const from = { address: "fe80::1", port: 5400 };

Deno.test("mcd receiver: a neighbour's announcement gives a scoped address to call", () => {
  const now = { ms: 1_000_000 };
  const { r, lines } = receiver(now);
  const v = r.receive(encodeAnnouncement(decodeBase32(IDS.bob)), from, "eth0");
  assertEquals(v, {
    accepted: {
      nodeId: IDS.bob,
      name: "bob",
      addr: "[fe80::1%eth0]:5400",
      iface: "eth0",
      isNew: true,
    },
  });
  assert(lines.some((l) => l.startsWith("info mcd-add node=bob")));
  // Heard again: not new, still one address.
  const again = r.receive(encodeAnnouncement(decodeBase32(IDS.bob)), from, "eth0");
  assert("accepted" in again && !again.accepted.isNew);
  assertEquals(r.book.addrsOf(IDS.bob, now.ms), ["[fe80::1%eth0]:5400"]);
});

Deno.test("mcd receiver: garbage, strangers, ignored neighbours and ourselves are dropped", () => {
  const now = { ms: 1_000_000 };
  const { r, lines } = receiver(now);
  const verdicts = [
    r.receive(new TextEncoder().encode("hello"), from, "eth0"),
    r.receive(new Uint8Array(40), from, "eth0"),
    r.receive(encodeAnnouncement(new Uint8Array(32).fill(1)), from, "eth0"),
    r.receive(encodeAnnouncement(decodeBase32(IDS.carol)), from, "eth0"),
    r.receive(encodeAnnouncement(decodeBase32(IDS.alice)), from, "eth0"),
  ].map((v) => "dropped" in v ? v.dropped : "accepted");
  assertEquals(verdicts, ["malformed", "malformed", "unknown-node", "ignored-node", "self"]);
  assertEquals(r.book.all(now.ms), {});
  // Strangers are logged at debug only, never at info or above.
  assert(lines.every((l) => l.startsWith("debug ")), lines.join("\n"));
  assert(lines.some((l) => l.startsWith("debug mcd-unknown-node")));
});

Deno.test("mcd address book: addresses expire after their lifetime and are bounded per node", () => {
  const book = new McdAddressBook();
  const t0 = 5_000_000;
  assert(book.heard("N", "[fe80::1%eth0]:5400", t0));
  assert(book.heard("N", "[fe80::2%wlan0]:5400", t0 + 1000));
  assertEquals(book.addrsOf("N", t0 + 1000), ["[fe80::2%wlan0]:5400", "[fe80::1%eth0]:5400"]);
  assertEquals(book.addrsOf("N", t0 + mcdAddrLifetimeMs + 500), ["[fe80::2%wlan0]:5400"]);
  assertEquals(book.addrsOf("N", t0 + mcdAddrLifetimeMs + 1500), []);
  for (let i = 0; i < mcdAddrsPerNodeMax + 5; i++) book.heard("M", `[fe80::${i}%e]:1`, t0);
  assertEquals(book.addrsOf("M", t0).length, mcdAddrsPerNodeMax);
  assertEquals(book.addrsOf("M", t0)[0], `[fe80::${mcdAddrsPerNodeMax + 4}%e]:1`);
});

Deno.test("mcd interfaces: only matching interfaces with a link-local address", () => {
  const list = () =>
    [
      {
        family: "IPv4",
        name: "eth0",
        address: "192.0.2.1",
        netmask: "",
        scopeid: null,
        cidr: "",
        mac: "",
      },
      {
        family: "IPv6",
        name: "eth0",
        address: "2001:db8::1",
        netmask: "",
        scopeid: 0,
        cidr: "",
        mac: "",
      },
      {
        family: "IPv6",
        name: "eth0",
        address: "fe80::a",
        netmask: "",
        scopeid: 2,
        cidr: "",
        mac: "",
      },
      {
        family: "IPv6",
        name: "wlan0",
        address: "fe80::b",
        netmask: "",
        scopeid: 3,
        cidr: "",
        mac: "",
      },
      { family: "IPv6", name: "lo", address: "::1", netmask: "", scopeid: 0, cidr: "", mac: "" },
      {
        family: "IPv4",
        name: "tun0",
        address: "10.0.0.1",
        netmask: "",
        scopeid: null,
        cidr: "",
        mac: "",
      },
    ] as Deno.NetworkInterfaceInfo[];
  assertEquals(linkLocalIfaces([/eth/, /tun/], list), [{
    name: "eth0",
    index: 2,
    address: "fe80::a",
  }]);
  assertEquals(linkLocalIfaces([/./], list).map((i) => i.name), ["eth0", "wlan0"]);
  assertEquals(linkLocalIfaces([], list), []);
});
