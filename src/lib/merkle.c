/*
 * merkle.c — see merkle.h.
 */
#include "merkle.h"

#include <sodium.h>
#include <string.h>

void merkle_root(unsigned char (*leaves)[MERKLE_HASH_BYTES], size_t n, unsigned char root[MERKLE_HASH_BYTES])
{
	if (n == 0) {
		crypto_generichash(root, MERKLE_HASH_BYTES, NULL, 0, NULL, 0);
		return;
	}
	while (n > 1) {
		size_t up = 0;
		for (size_t i = 0; i < n; i += 2) {
			if (i + 1 == n) {
				memmove(leaves[up++], leaves[i], MERKLE_HASH_BYTES);
				break;
			}
			crypto_generichash_state st;
			static const unsigned char inner = 0x01;
			crypto_generichash_init(&st, NULL, 0, MERKLE_HASH_BYTES);
			crypto_generichash_update(&st, &inner, 1);
			crypto_generichash_update(&st, leaves[i], MERKLE_HASH_BYTES);
			crypto_generichash_update(&st, leaves[i + 1], MERKLE_HASH_BYTES);
			crypto_generichash_final(&st, leaves[up++], MERKLE_HASH_BYTES);
		}
		n = up;
	}
	memcpy(root, leaves[0], MERKLE_HASH_BYTES);
}

void merkle_hex(const unsigned char *bytes, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, bytes, n);
}

void merkle_fingerprint(const char *root_hex, char out[20])
{
	size_t k = 0;
	for (int i = 0; i < 16 && root_hex[i]; i++) {
		if (i && i % 4 == 0)
			out[k++] = '-';
		out[k++] = root_hex[i];
	}
	out[k] = 0;
}
