/**
 * Checks that the private keys of `self` and of the areas belong to their
 * public keys, with
 * the runtime's WebCrypto (Ed25519 and X25519 are native there): importing a
 * private key as PKCS#8 and exporting it as a JWK gives its public key. It
 * loads no Node.js module, so a one-shot command that reads the
 * configuration stays light.
 *
 * @example
 * ```ts ignore
 * const issues = await checkKeyPairs(config.self, config.areas.values());
 * ```
 * @module
 */

import { pkcs8Der } from "../crypto/pkcs8.ts";
import { type ConfigIssue, joinPath } from "./issues.ts";
import { bytesEqual } from "./node_id.ts";
import type { Area, SelfNode } from "./types.ts";

function decodeBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function publicOf(
  algorithm: "Ed25519" | "X25519",
  prv: Uint8Array,
): Promise<Uint8Array> {
  const der = pkcs8Der(algorithm, prv);
  try {
    const usage: KeyUsage[] = algorithm === "Ed25519" ? ["sign"] : ["deriveBits"];
    const key = await crypto.subtle.importKey("pkcs8", der, { name: algorithm }, true, usage);
    const jwk = await crypto.subtle.exportKey("jwk", key);
    return decodeBase64Url(jwk.x ?? "");
  } finally {
    der.fill(0);
  }
}

/** The X25519 public key of a private key (WebCrypto). */
export function x25519PublicOfAsync(prv: Uint8Array): Promise<Uint8Array> {
  return publicOf("X25519", prv);
}

/** The Ed25519 public key of a 32-byte seed (WebCrypto). */
export function ed25519PublicOfAsync(seed: Uint8Array): Promise<Uint8Array> {
  return publicOf("Ed25519", seed);
}

/**
 * The problems with the key pairs of `self` and of the areas: each private
 * key must give its public key.
 */
export async function checkKeyPairs(
  self: SelfNode | undefined,
  areas: Iterable<Area> = [],
): Promise<ConfigIssue[]> {
  // [public key, what the private key gives, path of the private key, what it must belong to]
  const pairs: [Uint8Array, Promise<Uint8Array>, string, string][] = [];
  if (self) {
    const seed = self.signPrv.subarray(0, 32);
    pairs.push(
      [self.exchPub, x25519PublicOfAsync(self.exchPrv), "self.exchprv", "self.exchpub"],
      [self.signPub, ed25519PublicOfAsync(seed), "self.signprv", "self.signpub"],
    );
    if (self.noisePub && self.noisePrv) {
      pairs.push([
        self.noisePub,
        x25519PublicOfAsync(self.noisePrv),
        "self.noiseprv",
        "self.noisepub",
      ]);
    }
  }
  for (const area of areas) {
    if (area.pub && area.prv) {
      pairs.push([
        area.pub,
        x25519PublicOfAsync(area.prv),
        joinPath("areas", area.name, "prv"),
        "its pub",
      ]);
    }
  }
  const issues: ConfigIssue[] = [];
  for (const [pub, derived, path, owner] of pairs) {
    if (!bytesEqual(await derived, pub)) {
      issues.push({
        path,
        message: `does not belong to ${owner}: the key pair is broken`,
        severity: "error",
      });
    }
  }
  return issues;
}
