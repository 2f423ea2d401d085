/*
 * merkle.h — the Merkle root of a filing (报送, SPEC section 12), a pure function over
 * BLAKE2b-256 (libsodium's crypto_generichash).
 *
 * The leaves are the items' 32-byte hashes in their order (the tickets' codes). Each level
 * pairs its nodes left to right: parent = BLAKE2b-256(0x01 || left || right); a last node
 * without a partner goes up unchanged. The root is the one node left; an empty set's root is
 * BLAKE2b-256 of nothing.
 */
#ifndef LEDGER_MERKLE_H
#define LEDGER_MERKLE_H

#include <stddef.h>

#define MERKLE_HASH_BYTES 32

/* The root of n leaves into root. leaves is overwritten (the levels are built in place). */
void merkle_root(unsigned char (*leaves)[MERKLE_HASH_BYTES], size_t n, unsigned char root[MERKLE_HASH_BYTES]);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void merkle_hex(const unsigned char *bytes, size_t n, char *out);

/* 台账指纹: the root's first 16 hex digits in groups of four (1a2b-3c4d-5e6f-7a8b), 20 bytes. */
void merkle_fingerprint(const char *root_hex, char out[20]);

#endif
