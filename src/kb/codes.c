/*
** codes.c: string tables of the contract's codes (see codes.h).
*/
#include "codes.h"

#include <string.h>

#define OP_STR_ITEM(id, str) str,
#define OP_LEN_ITEM(id, str) sizeof(str) - 1,
#define OP_DEFINE_CODES(name, LIST)                                       \
  const char *const op_##name##_str[OP_N_##name] = {LIST(OP_STR_ITEM)};  \
  const unsigned char op_##name##_len[OP_N_##name] = {LIST(OP_LEN_ITEM)};

OP_DEFINE_CODES(sex, OP_SEX_LIST)
OP_DEFINE_CODES(menopause, OP_MENOPAUSE_LIST)
OP_DEFINE_CODES(site, OP_SITE_LIST)
OP_DEFINE_CODES(fx_site, OP_FX_SITE_LIST)
OP_DEFINE_CODES(mechanism, OP_MECHANISM_LIST)
OP_DEFINE_CODES(stop_reason, OP_STOP_REASON_LIST)
OP_DEFINE_CODES(med_class, OP_MED_CLASS_LIST)
OP_DEFINE_CODES(condition, OP_CONDITION_LIST)
OP_DEFINE_CODES(diagnosis, OP_DIAGNOSIS_LIST)
OP_DEFINE_CODES(risk, OP_RISK_LIST)
OP_DEFINE_CODES(criterion, OP_CRITERION_LIST)
OP_DEFINE_CODES(status, OP_STATUS_LIST)
OP_DEFINE_CODES(finding, OP_FINDING_LIST)
OP_DEFINE_CODES(action, OP_ACTION_LIST)
OP_DEFINE_CODES(intent, OP_INTENT_LIST)
OP_DEFINE_CODES(reason, OP_REASON_LIST)
OP_DEFINE_CODES(severity, OP_SEVERITY_LIST)
OP_DEFINE_CODES(alert, OP_ALERT_LIST)
OP_DEFINE_CODES(monitor, OP_MONITOR_LIST)
OP_DEFINE_CODES(lifestyle, OP_LIFESTYLE_LIST)
OP_DEFINE_CODES(disagreement, OP_DISAGREEMENT_LIST)
OP_DEFINE_CODES(rule, OP_RULE_LIST)

int op_code_lookup_len(const char *const *table, const unsigned char *lens, int count, const char *s, size_t n) {
  for (int i = 0; i < count; i++)
    if (lens[i] == n && table[i][0] == s[0] && memcmp(table[i], s, n) == 0) return i;
  return -1;
}

int op_code_lookup(const char *const *table, int count, const char *s,
                   size_t n) {
  if (n == 0) return -1;
  /* strncmp stops at the table entry's end, so no strlen per entry */
  for (int i = 0; i < count; i++)
    if (table[i][0] == s[0] && strncmp(table[i], s, n) == 0 && table[i][n] == 0) return i;
  return -1;
}
