/*
 * Keyed BLAKE3-256 of whole 128 KiB blocks (MTH leaves), four BLAKE3 chunks
 * at a time with WebAssembly SIMD128. Freestanding: no libc, no allocator,
 * no memory growth. Built by scripts/build_wasm.sh into
 * blake3_leaves.wasm.ts; src/crypto/blake3_leaves.ts is its only caller.
 *
 * Contract (all areas are fixed in linear memory; their addresses come from
 * the exported functions of the same names):
 *   key_area()    32 bytes: the BLAKE3 key, written once by the caller.
 *   input_area()  AREA_LEAVES * 131072 bytes: the blocks to hash.
 *   output_area() AREA_LEAVES * 32 bytes: their hashes, in order.
 *   area_leaves() AREA_LEAVES.
 *   leaves(n)     hashes the first n blocks of the input area (n at most
 *                 AREA_LEAVES); returns n, or 0 when n is out of range.
 *
 * Each block is a BLAKE3 message of its own: 128 chunks of 1024 bytes, so
 * its tree is a perfect binary tree of depth 7 and every compression has a
 * full 64-byte block. Four compressions run side by side, one per vector
 * lane: vector k holds state word k of four independent compressions.
 * Chaining values between tree levels are kept "word-major" (all word-0s
 * of a level, then all word-1s, ...), so chunk results are stored with
 * plain vector stores and a parent's message (left CV, right CV) is read
 * back with one even/odd lane split per word. Levels with fewer than four
 * parents leave the spare lanes computing garbage that is never read.
 */

#include <stdint.h>
#include <wasm_simd128.h>

#define AREA_LEAVES 4
#define LEAF_BYTES 131072
#define CHUNK_BYTES 1024
#define BLOCK_BYTES 64
#define CHUNKS 128 /* chunks per leaf */
#define BLOCKS_PER_CHUNK 16

#define CHUNK_START 1u
#define CHUNK_END 2u
#define PARENT 4u
#define ROOT 8u
#define KEYED_HASH 16u

#define ALWAYS_INLINE static inline __attribute__((always_inline))
#define EXPORT(name) __attribute__((export_name(name)))

static const uint32_t IV[4] = {0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au};
/* Message word order of round r+1 is that of round r taken through this. */
static const uint8_t PERMUTATION[16] = {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8};

static uint8_t input[AREA_LEAVES * LEAF_BYTES] __attribute__((aligned(16)));
static uint8_t output[AREA_LEAVES * 32] __attribute__((aligned(16)));
static uint8_t key[32] __attribute__((aligned(16)));
/* Chaining values of two tree levels, word-major: word w of CV i at [w][i]. */
static uint32_t level_a[8][CHUNKS] __attribute__((aligned(16)));
static uint32_t level_b[8][CHUNKS] __attribute__((aligned(16)));

EXPORT("input_area") uint8_t *input_area(void) { return input; }
EXPORT("output_area") uint8_t *output_area(void) { return output; }
EXPORT("key_area") uint8_t *key_area(void) { return key; }
EXPORT("area_leaves") uint32_t area_leaves(void) { return AREA_LEAVES; }

/*
 * Rotations right within each 32-bit lane. By 16 it is a swap of 16-bit
 * halves, which V8 turns into two cheap shuffles (x64: pshuflw, pshufhw;
 * arm64: rev32). A byte shuffle for the rotation by 8 measured slower than
 * the shifts: V8 rebuilds the shuffle mask from immediates at every use.
 */
ALWAYS_INLINE v128_t rotr16(v128_t x) {
  return wasm_i16x8_shuffle(x, x, 1, 0, 3, 2, 5, 4, 7, 6);
}
ALWAYS_INLINE v128_t rotr8(v128_t x) {
  return wasm_v128_or(wasm_u32x4_shr(x, 8), wasm_i32x4_shl(x, 24));
}
ALWAYS_INLINE v128_t rotr12(v128_t x) {
  return wasm_v128_or(wasm_u32x4_shr(x, 12), wasm_i32x4_shl(x, 20));
}
ALWAYS_INLINE v128_t rotr7(v128_t x) {
  return wasm_v128_or(wasm_u32x4_shr(x, 7), wasm_i32x4_shl(x, 25));
}

/* The BLAKE3 quarter-round on columns or diagonals a, b, c, d with words x, y. */
#define G(a, b, c, d, x, y)                                      \
  do {                                                           \
    v[a] = wasm_i32x4_add(wasm_i32x4_add(v[a], v[b]), (x));      \
    v[d] = rotr16(wasm_v128_xor(v[d], v[a]));                    \
    v[c] = wasm_i32x4_add(v[c], v[d]);                           \
    v[b] = rotr12(wasm_v128_xor(v[b], v[c]));                    \
    v[a] = wasm_i32x4_add(wasm_i32x4_add(v[a], v[b]), (y));      \
    v[d] = rotr8(wasm_v128_xor(v[d], v[a]));                     \
    v[c] = wasm_i32x4_add(v[c], v[d]);                           \
    v[b] = rotr7(wasm_v128_xor(v[b], v[c]));                     \
  } while (0)

/*
 * Four compressions at once: cv[8] in, the truncated output (first eight
 * words, v[i] ^ v[i+8]) written back to cv. m[16] is consumed (permuted).
 * counter holds each lane's chunk counter (all of them below 2^32 here).
 */
ALWAYS_INLINE void compress4(v128_t cv[8], v128_t m[16], v128_t counter, uint32_t flags) {
  v128_t v[16];
  for (int i = 0; i < 8; i++) v[i] = cv[i];
  for (int i = 0; i < 4; i++) v[8 + i] = wasm_i32x4_splat((int32_t)IV[i]);
  v[12] = counter;
  v[13] = wasm_i32x4_splat(0);
  v[14] = wasm_i32x4_splat(BLOCK_BYTES);
  v[15] = wasm_i32x4_splat((int32_t)flags);
#pragma clang loop unroll(full)
  for (int round = 0; round < 7; round++) {
    G(0, 4, 8, 12, m[0], m[1]);
    G(1, 5, 9, 13, m[2], m[3]);
    G(2, 6, 10, 14, m[4], m[5]);
    G(3, 7, 11, 15, m[6], m[7]);
    G(0, 5, 10, 15, m[8], m[9]);
    G(1, 6, 11, 12, m[10], m[11]);
    G(2, 7, 8, 13, m[12], m[13]);
    G(3, 4, 9, 14, m[14], m[15]);
    if (round < 6) {
      v128_t t[16];
      for (int i = 0; i < 16; i++) t[i] = m[PERMUTATION[i]];
      for (int i = 0; i < 16; i++) m[i] = t[i];
    }
  }
  for (int i = 0; i < 8; i++) cv[i] = wasm_v128_xor(v[i], v[i + 8]);
}

/* The key as an initial chaining value, one word per vector, in every lane. */
ALWAYS_INLINE void key_cv(v128_t cv[8]) {
  for (int i = 0; i < 8; i++) {
    const uint8_t *k = key + 4 * i;
    uint32_t word = (uint32_t)k[0] | (uint32_t)k[1] << 8 | (uint32_t)k[2] << 16 |
                    (uint32_t)k[3] << 24;
    cv[i] = wasm_i32x4_splat((int32_t)word);
  }
}

/*
 * Message words of one 64-byte block from each of four chunks that lie
 * CHUNK_BYTES apart from `p`: m[w] gets word w of chunk 0..3 in lanes 0..3
 * (a 4x4 transpose per group of four words).
 */
ALWAYS_INLINE void load_transposed(v128_t m[16], const uint8_t *p) {
  for (int g = 0; g < 4; g++) {
    v128_t r0 = wasm_v128_load(p + 0 * CHUNK_BYTES + 16 * g);
    v128_t r1 = wasm_v128_load(p + 1 * CHUNK_BYTES + 16 * g);
    v128_t r2 = wasm_v128_load(p + 2 * CHUNK_BYTES + 16 * g);
    v128_t r3 = wasm_v128_load(p + 3 * CHUNK_BYTES + 16 * g);
    v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5);
    v128_t t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
    v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
    v128_t t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
    m[4 * g + 0] = wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5);
    m[4 * g + 1] = wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7);
    m[4 * g + 2] = wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5);
    m[4 * g + 3] = wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7);
  }
}

/* Chunks first..first+3 of the leaf at `leaf`: their CVs into level_a. */
static void chunks4(const uint8_t *leaf, uint32_t first) {
  v128_t cv[8];
  v128_t m[16];
  key_cv(cv);
  const v128_t counter = wasm_i32x4_make((int32_t)first, (int32_t)first + 1, (int32_t)first + 2,
                                         (int32_t)first + 3);
  const uint8_t *p = leaf + (uint32_t)first * CHUNK_BYTES;
  for (int b = 0; b < BLOCKS_PER_CHUNK; b++) {
    uint32_t flags = KEYED_HASH;
    if (b == 0) flags |= CHUNK_START;
    if (b == BLOCKS_PER_CHUNK - 1) flags |= CHUNK_END;
    load_transposed(m, p + b * BLOCK_BYTES);
    compress4(cv, m, counter, flags);
  }
  for (int w = 0; w < 8; w++) wasm_v128_store(&level_a[w][first], cv[w]);
}

/*
 * Parents first..first+3 of a level: parent i hashes CVs 2i and 2i+1 of
 * `from`; its CV goes to `to` at index i.
 */
static void parents4(uint32_t (*from)[CHUNKS], uint32_t (*to)[CHUNKS], uint32_t first,
                     uint32_t flags) {
  v128_t cv[8];
  v128_t m[16];
  key_cv(cv);
  for (int w = 0; w < 8; w++) {
    v128_t lo = wasm_v128_load(&from[w][2 * first]);
    v128_t hi = wasm_v128_load(&from[w][2 * first + 4]);
    m[w] = wasm_i32x4_shuffle(lo, hi, 0, 2, 4, 6);     /* left children */
    m[w + 8] = wasm_i32x4_shuffle(lo, hi, 1, 3, 5, 7); /* right children */
  }
  compress4(cv, m, wasm_i32x4_splat(0), flags | KEYED_HASH | PARENT);
  for (int w = 0; w < 8; w++) wasm_v128_store(&to[w][first], cv[w]);
}

/* One leaf: 128 chunks, then 6 parent levels, then the root into `out`. */
static void leaf(const uint8_t *in, uint8_t *out) {
  for (uint32_t c = 0; c < CHUNKS; c += 4) chunks4(in, c);
  uint32_t (*from)[CHUNKS] = level_a;
  uint32_t (*to)[CHUNKS] = level_b;
  for (uint32_t n = CHUNKS / 2; n > 1; n /= 2) {
    for (uint32_t i = 0; i < n; i += 4) parents4(from, to, i, 0);
    uint32_t (*t)[CHUNKS] = from;
    from = to;
    to = t;
  }
  parents4(from, to, 0, ROOT);
  for (int w = 0; w < 8; w++) {
    uint32_t word = to[w][0];
    out[4 * w + 0] = (uint8_t)word;
    out[4 * w + 1] = (uint8_t)(word >> 8);
    out[4 * w + 2] = (uint8_t)(word >> 16);
    out[4 * w + 3] = (uint8_t)(word >> 24);
  }
}

EXPORT("leaves") uint32_t leaves(uint32_t n) {
  if (n > AREA_LEAVES) return 0;
  for (uint32_t i = 0; i < n; i++) leaf(input + i * LEAF_BYTES, output + 32 * i);
  return n;
}
