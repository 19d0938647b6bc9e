#include <stdarg.h>

#include "pm_internal.h"

void pm_log(const struct pm_logger *lg, int level, const char *fmt, ...)
{
	va_list ap;

	if (!lg || !lg->fn)
		return;
	va_start(ap, fmt);
	lg->fn(lg->ud, level, fmt, ap);
	va_end(ap);
}
