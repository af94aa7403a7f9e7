import {
  ax25HeaderBytes,
  decodeAddress,
  encodeAddress,
  encodeUi,
  formatCallsign,
  parseCallsign,
  unwrapUi,
} from "../../hw/modem/ax25.ts";
import { assertEquals, assertThrows } from "../assert.ts";

const hex = (s: string) => new Uint8Array(s.trim().split(/\s+/).map((h) => parseInt(h, 16)));

// Vectors worked out by hand from AX.25 2.2 §3.12 (address field: ASCII shifted left one
// bit, space padded; SSID byte C R R S S S S E with both reserved bits 1) and §6.3.2
// (UI control 0x03), §3.4 (PID 0xF0: no layer 3).
const N0CALL_7_SOURCE_LAST = hex("9c 60 86 82 98 98 6f"); // 'N'=0x4e<<1, '0'=0x30<<1, ..., 0x60|7<<1|1
const FERRY_DEST_COMMAND = hex("8c 8a a4 a4 b2 40 e0"); // 'F','E','R','R','Y',' ', C=1 RR=11 SSID 0

Deno.test("ax25 address fields: shifted callsign, space padding, SSID byte with C, reserved and end bits", () => {
  assertEquals(encodeAddress(parseCallsign("N0CALL-7"), false, true), N0CALL_7_SOURCE_LAST);
  assertEquals(encodeAddress({ call: "FERRY", ssid: 0 }, true, false), FERRY_DEST_COMMAND);
  // SSID 15, command bit, not last: 0x80|0x60|0x1e = 0xfe
  assertEquals(encodeAddress(parseCallsign("k1abc-15"), true, false), hex("96 62 82 84 86 40 fe"));
  assertEquals(decodeAddress(N0CALL_7_SOURCE_LAST, 0), {
    callsign: { call: "N0CALL", ssid: 7 },
    last: true,
  });
});

Deno.test("ax25 UI frame: destination FERRY, source, control 0x03, PID 0xF0, then the ferry frame", () => {
  const frame = encodeUi(parseCallsign("N0CALL-7"), new Uint8Array([0x01, 0xc0, 0xdb]));
  assertEquals(
    frame,
    new Uint8Array([...FERRY_DEST_COMMAND, ...N0CALL_7_SOURCE_LAST, 0x03, 0xf0, 0x01, 0xc0, 0xdb]),
  );
  assertEquals(ax25HeaderBytes, 16);
  const me = parseCallsign("N1XYZ");
  assertEquals(unwrapUi(frame, me), {
    source: { call: "N0CALL", ssid: 7 },
    info: new Uint8Array([0x01, 0xc0, 0xdb]),
  });
  // The poll/final bit does not change what a UI frame is.
  const pf = frame.slice();
  pf[14] = 0x13;
  assertEquals("info" in unwrapUi(pf, me), true);
});

Deno.test("ax25 receive side sorts out everything that is not a ferry UI frame", () => {
  const me = parseCallsign("N1XYZ");
  const peer = parseCallsign("N0CALL-7");
  const ok = encodeUi(peer, new Uint8Array([9]));
  // An APRS position as Dire Wolf hands it over: N0CALL>APRS:hello
  const aprs = hex("82 a0 a4 a6 40 40 60 9c 60 86 82 98 98 61 03 f0 68 65 6c 6c 6f");
  assertEquals(unwrapUi(aprs, me), { ignored: "not-ferry" });
  const netrom = ok.slice();
  netrom[15] = 0xcf;
  assertEquals(unwrapUi(netrom, me), { ignored: "other-protocol" });
  const iframe = ok.slice();
  iframe[14] = 0x00;
  assertEquals(unwrapUi(iframe, me), { ignored: "not-ui" });
  assertEquals(unwrapUi(ok, peer), { ignored: "own" });
  assertEquals(unwrapUi(ok.slice(0, 10), me), { ignored: "malformed" });
  assertEquals(unwrapUi(ok.slice(0, 16), me), { ignored: "other-protocol" }); // no info byte
  // A digipeater path after the source: the source's end bit is clear.
  const via = new Uint8Array([
    ...FERRY_DEST_COMMAND,
    ...N0CALL_7_SOURCE_LAST.slice(0, 6),
    0x6e,
    ...encodeAddress(parseCallsign("WIDE1-1"), false, true),
    0x03,
    0xf0,
    9,
  ]);
  assertEquals(unwrapUi(via, me), { ignored: "digipeated" });
  const lower = ok.slice();
  lower[7] = "n".charCodeAt(0) << 1;
  assertEquals(unwrapUi(lower, me), { ignored: "malformed" });
});

Deno.test("ax25 callsigns: CALL[-SSID], 1-6 letters or digits, SSID 0-15", () => {
  assertEquals(parseCallsign("n0call"), { call: "N0CALL", ssid: 0 });
  assertEquals(formatCallsign(parseCallsign("N0CALL-07")), "N0CALL-7");
  assertThrows(() => parseCallsign("N0CALLX"), RangeError, "1-6 letters or digits");
  assertThrows(() => parseCallsign("N0C-16"), RangeError, "SSID must be 0-15");
  assertThrows(() => parseCallsign("N0/C"), RangeError, "-SSID");
  assertThrows(() => parseCallsign(""), RangeError);
});
