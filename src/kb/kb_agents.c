/*
** kb_agents.c: looking up the agents of a knowledge base by their record
** codes. The agents are data (agents.ini, bound by kb.c); nothing here names
** one.
*/
#include <string.h>

#include "kb.h"

#define OP_STR_ITEM(id, str) str,
#define OP_LEN_ITEM(id, str) sizeof(str) - 1,
const char *const op_holiday_str[OP_N_holiday] = {OP_HOLIDAY_LIST(OP_STR_ITEM)};
const unsigned char op_holiday_len[OP_N_holiday] = {OP_HOLIDAY_LIST(OP_LEN_ITEM)};

#define OP_RM_STR(id, str, ui) str,
#define OP_RM_UI(id, str, ui) OP_##ui,
const char *const op_reminder_str[OP_N_reminder] = {OP_REMINDER_LIST(OP_RM_STR)};
const op_ui_t op_reminder_ui[OP_N_reminder] = {OP_REMINDER_LIST(OP_RM_UI)};

int kb_agent_lookup(const op_kb *kb, const char *s, size_t n) {
  return op_code_lookup_len(kb->agent_code, kb->agent_code_len, kb->n_agents, s, n);
}
