/* SPDX-License-Identifier: Apache-2.0 */
/* Text forms the verbs share for showing values to a person. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

char *qb_cli_nul_visible(const qb_value *v)
{
  if (v->kind != QB_V_STRING || !memchr(v->u.bytes.p, 0, v->u.bytes.n)) return NULL;
  char *out = malloc(2 * v->u.bytes.n + 1), *o = out;
  for (size_t i = 0; out && i < v->u.bytes.n; i++) {
    if (v->u.bytes.p[i]) *o++ = (char)v->u.bytes.p[i];
    else *o++ = '\\', *o++ = '0';
  }
  if (out) *o = '\0';
  return out;
}
