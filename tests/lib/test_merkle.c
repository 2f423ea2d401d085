/*
 * test_merkle.c — the filings' Merkle root (src/lib/merkle.c) against values computed with
 * Python's hashlib.blake2b(digest_size=32): the empty set, one leaf, an odd level.
 */
#include <sodium.h>

#include "merkle.h"
#include "test.h"

static void leaf(unsigned char out[MERKLE_HASH_BYTES], unsigned char byte)
{
	crypto_generichash(out, MERKLE_HASH_BYTES, &byte, 1, NULL, 0);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	unsigned char l[3][MERKLE_HASH_BYTES], root[MERKLE_HASH_BYTES];
	char hex[2 * MERKLE_HASH_BYTES + 1], fp[20];
	merkle_root(l, 0, root);
	merkle_hex(root, sizeof root, hex);
	CHECK_STR(hex, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"); /* BLAKE2b-256("") */
	leaf(l[0], 0);
	unsigned char one[MERKLE_HASH_BYTES];
	memcpy(one, l[0], sizeof one);
	merkle_root(l, 1, root);
	CHECK(memcmp(root, one, sizeof root) == 0); /* one leaf is its own root */
	for (int i = 0; i < 3; i++)
		leaf(l[i], (unsigned char)i);
	merkle_root(l, 2, root);
	merkle_hex(root, sizeof root, hex);
	CHECK_STR(hex, "c38bb4021bbd6ef7b27275ef47168818a36f4a9dc84c08c94acc15ae1fd0a0c1");
	for (int i = 0; i < 3; i++)
		leaf(l[i], (unsigned char)i);
	merkle_root(l, 3, root); /* the third goes up unchanged, then pairs with the first two's parent */
	merkle_hex(root, sizeof root, hex);
	CHECK_STR(hex, "e0b57d31f2208f5f54b487c71858ef39f43e0afb51fc50e381ed9babbd15020f");
	merkle_fingerprint(hex, fp);
	CHECK_STR(fp, "e0b5-7d31-f220-8f5f");
	return test_summary("test_merkle");
}
