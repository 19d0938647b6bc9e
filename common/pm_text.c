/* Text helpers every front end shares: UTF-8 validation, FNV-1a, SHA-256 and Go-style durations. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "podmem.h"

size_t pm_utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char c, lo = 0x80, hi = 0xbf; /* the second byte's range */
	size_t n;

	if (avail == 0)
		return 0;
	c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return 0;
	}
	if (avail < n || s[1] < lo || s[1] > hi) /* a NUL fails here, so nothing past it is read */
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

uint64_t pm_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3u;
	return h;
}

/* ---- SHA-256 (FIPS 180-4) ------------------------------------------------ */

static uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_block(uint32_t h[8], const unsigned char *p)
{
	static const uint32_t k[64] = {
		0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
		0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
		0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
		0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
		0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
		0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
		0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
		0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
	};
	uint32_t w[64], s[8];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(s, h, sizeof s);
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = s[7] + (ror(s[4], 6) ^ ror(s[4], 11) ^ ror(s[4], 25)) + ((s[4] & s[5]) ^ (~s[4] & s[6])) + k[i] + w[i];
		uint32_t t2 = (ror(s[0], 2) ^ ror(s[0], 13) ^ ror(s[0], 22)) + ((s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]));
		memmove(s + 1, s, 7 * sizeof *s);
		s[4] += t1;
		s[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		h[i] += s[i];
}

void pm_sha256(const void *data, size_t n, unsigned char out[32])
{
	uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	const unsigned char *p = data;
	unsigned char last[128] = {0};
	size_t whole = n / 64 * 64, rest = n - whole;

	for (size_t i = 0; i < whole; i += 64)
		sha256_block(h, p + i);
	memcpy(last, p + whole, rest);
	last[rest] = 0x80;
	size_t len = rest + 9 <= 64 ? 64 : 128;
	uint64_t bits = (uint64_t)n * 8;
	for (int i = 0; i < 8; i++)
		last[len - 1 - i] = (unsigned char)(bits >> (8 * i));
	sha256_block(h, last);
	if (len == 128)
		sha256_block(h, last + 64);
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 4; j++)
			out[4 * i + j] = (unsigned char)(h[i] >> (24 - 8 * j));
}

void pm_hash_hex(const void *data, size_t n, char out[17])
{
	unsigned char d[32];
	pm_sha256(data, n, d);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

int pm_parse_duration(const char *s, uint64_t *ret_ns)
{
	/* a unit that is a prefix of another comes after it ("ms" before "m") */
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
		{"ns", 1},
		{"us", 1000},
		{"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
		{"\xce\xbcs", 1000}, /* U+03BC Greek mu */
		{"ms", 1000000},
		{"s", 1000000000},
		{"m", 60 * (uint64_t)1000000000},
		{"h", 3600 * (uint64_t)1000000000},
	};
	uint64_t total = 0;

	if (*s == '+')
		s++;
	if (!*s)
		return -EINVAL;
	while (*s) {
		uint64_t whole = 0, frac = 0, scale = 1;
		bool digits = false;
		for (; *s >= '0' && *s <= '9'; s++, digits = true) {
			if (whole > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
				return -ERANGE;
			whole = whole * 10 + (uint64_t)(*s - '0');
		}
		if (*s == '.')
			for (s++; *s >= '0' && *s <= '9'; s++, digits = true)
				if (scale < 1000000000000000000u) { /* digits past 1e-18 cannot matter */
					frac = frac * 10 + (uint64_t)(*s - '0');
					scale *= 10;
				}
		if (!digits)
			return -EINVAL;
		size_t u = 0, len = 0;
		for (; u < sizeof units / sizeof units[0]; u++) {
			len = strlen(units[u].name);
			if (!strncmp(s, units[u].name, len))
				break;
		}
		if (u == sizeof units / sizeof units[0])
			return -EINVAL;
		s += len;
		if (whole > UINT64_MAX / units[u].ns)
			return -ERANGE;
		uint64_t v = whole * units[u].ns;
		uint64_t part = (uint64_t)((unsigned __int128)frac * units[u].ns / scale); /* exact: < units[u].ns */
		if (v > UINT64_MAX - part || total > UINT64_MAX - (v + part))
			return -ERANGE;
		total += v + part;
	}
	if (!total)
		return -EINVAL;
	*ret_ns = total;
	return 0;
}
