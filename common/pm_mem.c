#include <stdlib.h>
#include <string.h>

#include "pm_internal.h"

void *pm_grow(void *arr_p, size_t *cap, size_t n, size_t size)
{
	void **arr = arr_p;
	if (n >= *cap) {
		size_t nc = *cap ? *cap * 2 : 4; /* small: a pod's containers are a handful, and zeroed */
		while (nc <= n)
			nc *= 2;
		char *p = realloc(*arr, nc * size);
		if (!p)
			return NULL;
		memset(p + *cap * size, 0, (nc - *cap) * size);
		*arr = p;
		*cap = nc;
	}
	return (char *)*arr + n * size;
}
